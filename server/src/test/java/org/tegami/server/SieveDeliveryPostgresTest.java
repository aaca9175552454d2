package org.tegami.server;

/**
 * {@link SieveDeliveryTest} on the cluster's store, PostgreSQL with an S3 bucket: scripts, mailboxes created on the
 * way, vacation replies and redirects in the queue, the once-only failure notice across a restart, the site's script
 * before the user's, a queue bounce through the user's rules. Only the config check runs once, with the embedded test.
 */
class SieveDeliveryPostgresTest extends SieveDeliveryTest {
    @Override
    String backend() throws Exception {
        return Backend.POSTGRES_S3.toml();
    }

    /**
     * Config loading only: no server starts and no {@code [store]} is read, so here it would repeat the embedded run
     * exactly. Overridden without {@code @Test}: not run here.
     */
    @Override
    void aBrokenSiteScriptStopsTheServerWithItsPosition() {}
}
