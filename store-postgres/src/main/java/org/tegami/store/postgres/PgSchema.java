package org.tegami.store.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The PostgreSQL schema and its migrations, versioned in {@code tegami_schema}. Migrations run under a session
 * advisory lock, so nodes starting together migrate once: the first takes the lock and migrates, the others wait
 * and then find nothing to do. A node whose code knows fewer versions than the database holds refuses to start.
 *
 * <p>Version 1 is the embedded store's schema v21 in PostgreSQL types: times are epoch milliseconds (BIGINT), text
 * compares by octets ({@code COLLATE "C"}, as SQLite's BINARY), ids come from sequences (never reused), blobs
 * keep a catalog row with small blobs' bytes inline and a size for the others (their bytes are in object storage).
 */
final class PgSchema {
    private PgSchema() {}

    /** Arbitrary constant key of the advisory lock that serialises migrations across nodes. */
    static final long MIGRATION_LOCK = 0x7465_6761_6d69_0001L;

    private static final String T = "TEXT COLLATE \"C\"";

    static final List<String> MIGRATIONS = List.of(
            """
            CREATE TABLE domains(name %1$s PRIMARY KEY);
            CREATE SEQUENCE account_id_seq;
            CREATE SEQUENCE mailbox_id_seq;
            CREATE SEQUENCE queue_id_seq;
            CREATE SEQUENCE learn_task_id_seq;
            CREATE SEQUENCE fetch_source_id_seq;
            CREATE TABLE accounts(
                id BIGINT PRIMARY KEY,
                address %1$s NOT NULL,
                addr_key %1$s NOT NULL UNIQUE,
                password_hash %1$s NOT NULL);
            CREATE TABLE aliases(source %1$s PRIMARY KEY, targets %1$s NOT NULL);
            CREATE TABLE mailboxes(
                id BIGINT PRIMARY KEY,
                account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                name %1$s NOT NULL,
                uidvalidity BIGINT NOT NULL,
                uidnext BIGINT NOT NULL,
                highestmodseq BIGINT NOT NULL,
                special_use %1$s,
                subscribed BIGINT NOT NULL,
                recent_uid BIGINT NOT NULL DEFAULT 0,
                UNIQUE(account_id, name));
            CREATE TABLE messages(
                mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                uid BIGINT NOT NULL,
                blob %1$s NOT NULL,
                size BIGINT NOT NULL,
                internal_date BIGINT NOT NULL,
                flags %1$s NOT NULL DEFAULT '',
                modseq BIGINT NOT NULL,
                save_date BIGINT,
                prefix BYTEA,
                PRIMARY KEY(mailbox_id, uid));
            CREATE INDEX messages_by_modseq ON messages(mailbox_id, modseq);
            CREATE INDEX messages_by_blob ON messages(blob);
            CREATE TABLE expunged(
                mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                uid BIGINT NOT NULL,
                modseq BIGINT NOT NULL,
                PRIMARY KEY(mailbox_id, uid));
            CREATE TABLE queue(
                id BIGINT PRIMARY KEY,
                blob %1$s NOT NULL,
                size BIGINT NOT NULL,
                skip_bytes BIGINT NOT NULL,
                sender %1$s NOT NULL,
                created BIGINT NOT NULL,
                next_attempt BIGINT NOT NULL,
                attempts BIGINT NOT NULL DEFAULT 0,
                last_error %1$s NOT NULL DEFAULT '',
                delay_notified BIGINT NOT NULL DEFAULT 0,
                claimed_until BIGINT NOT NULL DEFAULT 0,
                claimed_by %1$s NOT NULL DEFAULT '',
                submitter BIGINT,
                dkim_domain %1$s NOT NULL DEFAULT '',
                prefix BYTEA NOT NULL DEFAULT '\\x');
            CREATE INDEX queue_due ON queue(next_attempt);
            CREATE INDEX queue_by_blob ON queue(blob);
            CREATE TABLE queue_recipients(
                queue_id BIGINT NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
                position BIGINT NOT NULL,
                recipient %1$s NOT NULL,
                PRIMARY KEY(queue_id, position));
            CREATE TABLE blobs(
                hex %1$s PRIMARY KEY,
                size BIGINT NOT NULL,
                data BYTEA,
                held_until BIGINT NOT NULL DEFAULT 0);
            CREATE TABLE counters(name %1$s PRIMARY KEY, value BIGINT NOT NULL);
            INSERT INTO counters(name, value) VALUES ('uidvalidity', 0);
            CREATE TABLE blob_index(hex %1$s PRIMARY KEY, data %1$s NOT NULL);
            CREATE TABLE quotas(
                account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
                storage_kib BIGINT,
                messages BIGINT);
            CREATE TABLE metadata(
                account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                mailbox_id BIGINT NOT NULL,
                name %1$s NOT NULL,
                value %1$s NOT NULL,
                PRIMARY KEY(account_id, mailbox_id, name));
            CREATE TABLE acl(
                mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                grantee_id BIGINT NOT NULL,
                rights %1$s NOT NULL,
                PRIMARY KEY(mailbox_id, grantee_id));
            CREATE INDEX acl_grantee ON acl(grantee_id);
            CREATE TABLE shared_subscriptions(
                account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                PRIMARY KEY(account_id, mailbox_id));
            CREATE TABLE blob_orphans(hex %1$s PRIMARY KEY);
            CREATE FUNCTION blob_orphan() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO blob_orphans(hex) VALUES (OLD.blob) ON CONFLICT DO NOTHING; RETURN NULL; END $$;
            CREATE TRIGGER messages_blob_orphan AFTER DELETE ON messages FOR EACH ROW EXECUTE FUNCTION blob_orphan();
            CREATE TRIGGER queue_blob_orphan AFTER DELETE ON queue FOR EACH ROW EXECUTE FUNCTION blob_orphan();
            CREATE TABLE subscriptions(
                account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                name %1$s NOT NULL,
                PRIMARY KEY(account_id, name));
            CREATE TABLE spam_tokens(
                account_id BIGINT NOT NULL,
                token %1$s NOT NULL,
                spam BIGINT NOT NULL,
                ham BIGINT NOT NULL,
                PRIMARY KEY(account_id, token));
            CREATE TABLE spam_totals(
                account_id BIGINT PRIMARY KEY,
                spam BIGINT NOT NULL,
                ham BIGINT NOT NULL);
            CREATE TABLE spam_learned(
                account_id BIGINT NOT NULL,
                message %1$s NOT NULL,
                verdict %1$s NOT NULL,
                PRIMARY KEY(account_id, message));
            CREATE TABLE spam_learn_queue(
                id BIGINT PRIMARY KEY,
                account_id BIGINT NOT NULL,
                mailbox_id BIGINT NOT NULL,
                uid BIGINT NOT NULL,
                verdict %1$s NOT NULL);
            CREATE TABLE greylist(
                network %1$s NOT NULL,
                sender %1$s NOT NULL,
                recipient BIGINT NOT NULL,
                first_seen BIGINT NOT NULL,
                last_seen BIGINT NOT NULL,
                passed BIGINT NOT NULL,
                PRIMARY KEY(network, sender, recipient));
            CREATE INDEX greylist_first_seen ON greylist(first_seen);
            CREATE INDEX greylist_last_seen ON greylist(last_seen);
            CREATE TABLE dmarc_report(
                domain %1$s NOT NULL,
                day BIGINT NOT NULL,
                record %1$s NOT NULL,
                PRIMARY KEY(domain, day));
            CREATE TABLE dmarc_report_row(
                domain %1$s NOT NULL,
                day BIGINT NOT NULL,
                row %1$s NOT NULL,
                count BIGINT NOT NULL,
                PRIMARY KEY(domain, day, row));
            CREATE TABLE sieve_scripts(
                account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                name %1$s NOT NULL,
                content %1$s NOT NULL,
                active BIGINT NOT NULL,
                PRIMARY KEY(account_id, name));
            CREATE UNIQUE INDEX sieve_scripts_active ON sieve_scripts(account_id) WHERE active = 1;
            CREATE TABLE fetch_sources(
                id BIGINT PRIMARY KEY DEFAULT nextval('fetch_source_id_seq'),
                account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                protocol %1$s NOT NULL,
                host %1$s NOT NULL,
                port BIGINT NOT NULL,
                username %1$s NOT NULL,
                password BYTEA NOT NULL,
                folder %1$s NOT NULL,
                keep BIGINT NOT NULL,
                enabled BIGINT NOT NULL,
                last_success BIGINT,
                last_error %1$s NOT NULL DEFAULT '',
                failures BIGINT NOT NULL DEFAULT 0,
                auth_failures BIGINT NOT NULL DEFAULT 0,
                next_attempt BIGINT NOT NULL,
                starttls BIGINT NOT NULL DEFAULT 0,
                uidvalidity BIGINT,
                highest_uid BIGINT NOT NULL DEFAULT 0);
            CREATE INDEX fetch_sources_account ON fetch_sources(account_id);
            CREATE INDEX fetch_sources_due ON fetch_sources(next_attempt);
            CREATE TABLE fetch_pop3_seen(
                source_id BIGINT NOT NULL REFERENCES fetch_sources(id) ON DELETE CASCADE,
                uidl %1$s NOT NULL,
                PRIMARY KEY(source_id, uidl));
            CREATE TABLE tls_report_row(
                domain %1$s NOT NULL,
                day BIGINT NOT NULL,
                row %1$s NOT NULL,
                count BIGINT NOT NULL,
                PRIMARY KEY(domain, day, row));
            """.formatted(T),
            // 2: the embedded store's v22-v25: trace history, Sieve's delivery marks, the envelope parameters a queue
            // entry honours and relays (DSN, REQUIRETLS), summaries of TLS reports received
            """
            CREATE TABLE trace_line(
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                time BIGINT NOT NULL,
                text %1$s NOT NULL);
            CREATE INDEX trace_line_time ON trace_line(time);
            CREATE TABLE trace_key(
                key %1$s NOT NULL,
                line_id BIGINT NOT NULL,
                PRIMARY KEY(key, line_id));
            CREATE INDEX trace_key_line ON trace_key(line_id);
            CREATE TABLE sieve_marks(
                account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                key %1$s NOT NULL,
                until BIGINT NOT NULL,
                PRIMARY KEY(account_id, key));
            CREATE INDEX sieve_marks_until ON sieve_marks(account_id, until);
            ALTER TABLE queue ADD COLUMN dsn_ret %1$s;
            ALTER TABLE queue ADD COLUMN dsn_envid %1$s;
            ALTER TABLE queue ADD COLUMN tls INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE queue_recipients ADD COLUMN notify %1$s;
            ALTER TABLE queue_recipients ADD COLUMN orcpt_type %1$s;
            ALTER TABLE queue_recipients ADD COLUMN orcpt %1$s;
            CREATE TABLE tls_report_received(
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                report_id %1$s NOT NULL,
                policy_domain %1$s NOT NULL,
                policy_type %1$s NOT NULL,
                received BIGINT NOT NULL,
                organization %1$s NOT NULL,
                begin_at BIGINT NOT NULL,
                end_at BIGINT NOT NULL,
                success BIGINT NOT NULL,
                failure BIGINT NOT NULL,
                failure_types %1$s NOT NULL,
                UNIQUE(report_id, policy_domain, policy_type));
            CREATE INDEX tls_report_received_at ON tls_report_received(received);
            """.formatted(T),
            // 3: the embedded store's v26: events and leases the nodes coordinate through (ADR 0024)
            """
            CREATE TABLE coord_event(
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                key %1$s NOT NULL,
                time BIGINT NOT NULL);
            CREATE INDEX coord_event_key ON coord_event(key, time);
            CREATE INDEX coord_event_time ON coord_event(time);
            CREATE TABLE coord_lease(
                name %1$s PRIMARY KEY,
                holder %1$s NOT NULL,
                until BIGINT NOT NULL);
            """.formatted(T),
            // 4: the embedded store's v27: VANISHED and QRESYNC (RFC 7162 §3.2.10) read the tombstones above a modseq
            // by index, where the primary key made them walk every tombstone of the mailbox
            """
            CREATE INDEX expunged_by_modseq ON expunged(mailbox_id, modseq);
            """);

    /** The schema version this code writes. */
    static int latest() {
        return MIGRATIONS.size();
    }

    static void migrate(Connection c) throws SQLException {
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            // A session lock: held across the migration's own transactions, released below (or when we die).
            s.execute("SELECT pg_advisory_lock(" + MIGRATION_LOCK + ")");
            try {
                s.execute("CREATE TABLE IF NOT EXISTS tegami_schema(version INTEGER NOT NULL)");
                int version = 0;
                try (ResultSet rs = s.executeQuery("SELECT version FROM tegami_schema")) {
                    if (rs.next()) version = rs.getInt(1);
                }
                if (version > latest()) {
                    throw new SQLException("the database was upgraded by a newer Tegami (schema " + version
                            + ", this version knows " + latest() + "); upgrade Tegami on this node");
                }
                for (int v = version; v < latest(); v++) {
                    c.setAutoCommit(false);
                    try {
                        for (String stmt : MIGRATIONS.get(v).split(";[ \\t]*\\n")) {
                            if (!stmt.isBlank()) s.execute(stmt);
                        }
                        s.execute("DELETE FROM tegami_schema");
                        s.execute("INSERT INTO tegami_schema(version) VALUES (" + (v + 1) + ")");
                        c.commit();
                    } catch (SQLException e) {
                        c.rollback();
                        throw e;
                    } finally {
                        c.setAutoCommit(true);
                    }
                }
            } finally {
                s.execute("SELECT pg_advisory_unlock(" + MIGRATION_LOCK + ")");
            }
        } finally {
            c.setAutoCommit(false);
        }
    }

    /** The version the database holds (0 when none); for tests and operator messages. */
    static int version(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version FROM tegami_schema")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }
}
