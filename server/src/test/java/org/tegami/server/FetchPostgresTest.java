package org.tegami.server;

import java.sql.DriverManager;
import org.tegami.server.config.StoreSettings;

/**
 * {@link FetchTest} with the collecting server on PostgreSQL and an S3 bucket: IMAP state (UIDVALIDITY, highest UID),
 * POP3 UIDLs remembered and forgotten, sources added, removed and nudged through the shared store by the CLI, the
 * password sealed in the database, collected mail through the pipeline, the quota and the user's Sieve script: every
 * case of {@link FetchTest} but one.
 */
class FetchPostgresTest extends FetchTest {
    @Override
    String backend() throws Exception {
        return Backend.POSTGRES_S3.toml();
    }

    /** The fetch sources' rows as PostgreSQL prints them (a {@code bytea} as {@code \x} and hex). */
    @Override
    String atRest(TegamiServer a) throws Exception {
        var pg = (StoreSettings.Postgres) a.config().store();
        StringBuilder rows = new StringBuilder();
        try (var c = DriverManager.getConnection(pg.url(), pg.user(), pg.password());
             var s = c.createStatement();
             var r = s.executeQuery("SELECT f::text FROM fetch_sources f")) {
            while (r.next()) rows.append(r.getString(1)).append('\n');
        }
        if (rows.isEmpty()) throw new AssertionError("no fetch source row in " + pg.url());
        return rows.toString();
    }

    /**
     * 4.6 s here against 1.2 s on the embedded store (eight polls and three CLI commands, each command opening the
     * store): over the suite's budget of about 3 s per case. Overridden without {@code @Test}: not run here.
     */
    @Override
    void wrongPasswordIsReportedBacksOffAndFiveDisable() {}
}
