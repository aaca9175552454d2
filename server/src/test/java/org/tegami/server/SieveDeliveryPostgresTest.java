package org.tegami.server;

/**
 * {@link SieveDeliveryTest}'s store-heavy cases on the cluster's store, PostgreSQL with an S3 bucket: scripts,
 * mailboxes created on the way, vacation replies and redirects in the queue, the once-only failure notice across a
 * restart, a queue bounce through the user's rules. The two cases that touch no store are not run twice.
 */
class SieveDeliveryPostgresTest extends SieveDeliveryTest {
    @Override
    String backend() throws Exception {
        return Backend.POSTGRES_S3.toml();
    }

    /** Config checking only: covered by {@link SieveDeliveryTest}. Overridden without {@code @Test}: not run here. */
    @Override
    void aBrokenSiteScriptStopsTheServerWithItsPosition() {}

    /** The same store calls as {@link #theUsersScriptDecidesEachCopy}: covered there. Not run here. */
    @Override
    void theSiteScriptRunsBeforeTheUsers() {}
}
