package org.tegami.server.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.tegami.core.TegamiException;
import org.tegami.store.embedded.Backup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code tegami backup DIR} and {@code tegami restore DIR}: consistent online backups of the data directory. */
public final class BackupCommand {
    private BackupCommand() {}

    /** Backup and restore copy the embedded store's files; a PostgreSQL store is backed up with PostgreSQL's tools. */
    static void embeddedOnly(org.tegami.server.config.TegamiConfig cfg, String what) {
        if (!(cfg.store() instanceof org.tegami.server.config.StoreSettings.Embedded)) {
            throw new TegamiException("tegami " + what + " works on the embedded store only; with [store] kind ="
                    + " \"postgresql\" back up the database with pg_dump (restore with pg_restore; or PostgreSQL's own"
                    + " continuous archiving) and the large blobs with it: " + (cfg.s3Blobs().isPresent()
                    ? "turn on the bucket's versioning or replication ([blobs] kind = \"s3\")"
                    : "copy data_dir/objects after the dump") + ", plus data_dir's keys (dkim/, tls/, acme/, srs.key, fetch.key)");
        }
    }

    /**
     * A backup copies blob files from the data directory; with blobs in S3 it would leave every large message out,
     * so it is refused rather than made incomplete.
     */
    private static void refuseS3(org.tegami.server.config.TegamiConfig cfg, String what) {
        if (cfg.s3Blobs().isPresent()) {
            throw new TegamiException(what + " handles blob files under data_dir only; with [blobs] kind = \"s3\" the"
                    + " large blobs are in the bucket: copy the data directory with the server stopped and the bucket"
                    + " with your S3 provider's tools (bucket versioning or replication)");
        }
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = {"Copy the data directory into DIR (new or empty) while the server runs: a consistent",
                    "snapshot of the metadata, every message file it names (hash-checked) and the keys and",
                    "certificates. Restore it with 'tegami restore DIR'."})
    public static final class Make implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(index = "0", paramLabel = "DIR", description = "where the backup goes (new or empty)") Path dir;

        @Override
        public void run() {
            var cfg = config.load();
            embeddedOnly(cfg, "backup");
            refuseS3(cfg, "backup");
            Path data = cfg.dataDir();
            try {
                Backup.Report r = Backup.backup(data, dir, line -> System.err.println("backup: " + line));
                System.out.println("backup of " + data + " in " + dir + ": " + r.messages() + " messages, " + r.fileBlobs()
                        + " message files (" + r.bytes() + " bytes), " + r.files() + " other files");
                for (String s : r.leftOut()) System.out.println("left out: blob " + s);
            } catch (IOException e) {
                throw new TegamiException("backup failed: " + e.getMessage());
            }
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = {"Restore a backup made with 'tegami backup' into the configured data directory, which",
                    "must be new or empty (stop the server first). Every message file's hash and the metadata's",
                    "integrity are checked; clients see the same mailboxes, UIDs and UIDVALIDITY afterwards."})
    public static final class Restore implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(index = "0", paramLabel = "DIR", description = "a directory 'tegami backup' wrote") Path dir;

        @Override
        public void run() {
            var cfg = config.load();
            embeddedOnly(cfg, "restore");
            refuseS3(cfg, "restore");
            Path data = cfg.dataDir();
            try {
                Backup.Report r = Backup.restore(dir, data, line -> System.err.println("restore: " + line));
                System.out.println("restored " + dir + " into " + data + ": " + r.messages() + " messages, " + r.fileBlobs()
                        + " message files (" + r.bytes() + " bytes), " + r.files() + " other files");
            } catch (IOException e) {
                throw new TegamiException("restore failed: " + e.getMessage());
            }
        }
    }
}
