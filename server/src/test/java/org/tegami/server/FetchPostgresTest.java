package org.tegami.server;

/**
 * {@link FetchTest}'s cases that exercise the fetch-source store most, with the collecting server on PostgreSQL and
 * an S3 bucket: IMAP state (UIDVALIDITY, highest UID), POP3 UIDLs remembered and forgotten, a source removed, and a
 * running server polling a source that the CLI added and nudged through the shared store. The rest make the same
 * store calls or none and are not run twice (overridden here without {@code @Test}), to keep the suite's time down.
 */
class FetchPostgresTest extends FetchTest {
    @Override
    String backend() throws Exception {
        return Backend.POSTGRES_S3.toml();
    }

    @Override
    void cleartextPortsAreUsedOnlyAfterStartTls() {}

    @Override
    void imapWithDeleteRemovesMessagesFromTheServerOnceStored() {}

    /** Reads the embedded store's file for the password: that case is about the embedded file. */
    @Override
    void passwordFromStdinIsSealedAtRest() {}

    @Override
    void changedUidValidityFetchesTheFolderAgain() {}

    @Override
    void wrongPasswordIsReportedBacksOffAndFiveDisable() {}

    @Override
    void untrustedCertificateIsRefusedAndNothingFetched() {}

    @Override
    void gtubeIsRefusedByThePipelineAndSkipped() {}

    @Override
    void collectedMailIsSortedByTheUsersSieveScript() {}
}
