package org.tegami.store.embedded;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The metadata schema and its migrations, versioned by {@code PRAGMA user_version}. Plain SQL that ports to
 * PostgreSQL with type changes only. Times are epoch milliseconds.
 */
final class Schema {
    private Schema() {}

    private static final List<String> MIGRATIONS = List.of(
            """
            CREATE TABLE domains(name TEXT PRIMARY KEY);
            CREATE TABLE accounts(
                id INTEGER PRIMARY KEY,
                address TEXT NOT NULL,
                addr_key TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL);
            CREATE TABLE aliases(source TEXT PRIMARY KEY, targets TEXT NOT NULL);
            CREATE TABLE mailboxes(
                id INTEGER PRIMARY KEY,
                account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                uidvalidity INTEGER NOT NULL,
                uidnext INTEGER NOT NULL,
                highestmodseq INTEGER NOT NULL,
                special_use TEXT,
                subscribed INTEGER NOT NULL,
                UNIQUE(account_id, name));
            CREATE TABLE messages(
                mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                uid INTEGER NOT NULL,
                blob TEXT NOT NULL,
                size INTEGER NOT NULL,
                internal_date INTEGER NOT NULL,
                flags TEXT NOT NULL DEFAULT '',
                modseq INTEGER NOT NULL,
                PRIMARY KEY(mailbox_id, uid)) WITHOUT ROWID;
            CREATE INDEX messages_by_modseq ON messages(mailbox_id, modseq);
            CREATE TABLE expunged(
                mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                uid INTEGER NOT NULL,
                modseq INTEGER NOT NULL,
                PRIMARY KEY(mailbox_id, uid)) WITHOUT ROWID;
            CREATE TABLE queue(
                id INTEGER PRIMARY KEY,
                blob TEXT NOT NULL,
                size INTEGER NOT NULL,
                skip_bytes INTEGER NOT NULL,
                sender TEXT NOT NULL,
                created INTEGER NOT NULL,
                next_attempt INTEGER NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE queue_recipients(
                queue_id INTEGER NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                recipient TEXT NOT NULL,
                PRIMARY KEY(queue_id, position));
            """,
            // v2: small blobs inline, so their durability rides on the group commit (ADR 0002).
            """
            CREATE TABLE blobs(hex TEXT PRIMARY KEY, data BLOB NOT NULL);
            """,
            // v3: outbound delivery keeps the last error per entry and finds due entries fast.
            """
            ALTER TABLE queue ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
            CREATE INDEX queue_due ON queue(next_attempt);
            """,
            // v4: a sender is told once when delivery is delayed (RFC 3464 Action: delayed).
            """
            ALTER TABLE queue ADD COLUMN delay_notified INTEGER NOT NULL DEFAULT 0;
            """,
            // v5: the last UIDVALIDITY handed out, so a re-created mailbox never reuses one (RFC 9051 §2.3.1.1).
            """
            CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
            INSERT INTO counters(name, value) SELECT 'uidvalidity', COALESCE(MAX(uidvalidity), 0) FROM mailboxes;
            """,
            // v6: data derived from a blob once (IMAP ENVELOPE/BODYSTRUCTURE), see BlobStore#index.
            """
            CREATE TABLE blob_index(hex TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID;
            """,
            // v7: per-user quotas (RFC 9208), NULL meaning no limit for that resource.
            """
            CREATE TABLE quotas(
                account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
                storage_kib INTEGER,
                messages INTEGER);
            """,
            // v8: when each message was put in its mailbox (RFC 8514 SAVEDATE); NULL for older messages.
            """
            ALTER TABLE messages ADD COLUMN save_date INTEGER;
            """,
            // v9: IMAP METADATA (RFC 5464) entries; mailbox_id 0 holds the server entries of the account.
            """
            CREATE TABLE metadata(
                account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                mailbox_id INTEGER NOT NULL,
                name TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY(account_id, mailbox_id, name)) WITHOUT ROWID;
            """,
            // v10: IMAP ACL (RFC 4314). grantee_id 0 is "anyone"; a removed user's grants go with them
            // (JdbcAccounts.removeUser), a deleted mailbox's by cascade. Users subscribe to others' mailboxes apart.
            """
            CREATE TABLE acl(
                mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                grantee_id INTEGER NOT NULL,
                rights TEXT NOT NULL,
                PRIMARY KEY(mailbox_id, grantee_id)) WITHOUT ROWID;
            CREATE INDEX acl_grantee ON acl(grantee_id);
            CREATE TABLE shared_subscriptions(
                account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                PRIMARY KEY(account_id, mailbox_id)) WITHOUT ROWID;
            """,
            // v11: ids are never reused (a stale session holding an old id must find nothing, never another user's
            // data): rowids without AUTOINCREMENT hand a deleted row's id to the next insert, so ids now come from
            // counters. Blobs no message or queue entry names any more are collected (FileBlobStore.collect): the triggers
            // note each dropped reference, on every path including cascades, in whatever process deletes.
            """
            INSERT INTO counters(name, value) SELECT 'account_id', COALESCE(MAX(id), 0) FROM accounts;
            INSERT INTO counters(name, value) SELECT 'mailbox_id', COALESCE(MAX(id), 0) FROM mailboxes;
            INSERT INTO counters(name, value) SELECT 'queue_id', COALESCE(MAX(id), 0) FROM queue;
            INSERT INTO counters(name, value) VALUES ('blob_files_scanned', 0);
            CREATE INDEX messages_by_blob ON messages(blob);
            CREATE INDEX queue_by_blob ON queue(blob);
            CREATE TABLE blob_orphans(hex TEXT PRIMARY KEY) WITHOUT ROWID;
            CREATE TRIGGER messages_blob_orphan AFTER DELETE ON messages BEGIN INSERT OR IGNORE INTO blob_orphans(hex) VALUES (old.blob); END;
            CREATE TRIGGER queue_blob_orphan AFTER DELETE ON queue BEGIN INSERT OR IGNORE INTO blob_orphans(hex) VALUES (old.blob); END;
            INSERT OR IGNORE INTO blob_orphans(hex) SELECT hex FROM blobs;
            """,
            // v12: an entry is leased to one delivery at a time (claimed_until, epoch ms; 0 = free), the
            // submitting user gets its bounces, and the DKIM domain is the one checked at submission. Entries from
            // before have no submitter and are not signed.
            """
            ALTER TABLE queue ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE queue ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
            ALTER TABLE queue ADD COLUMN submitter INTEGER;
            ALTER TABLE queue ADD COLUMN dkim_domain TEXT NOT NULL DEFAULT '';
            """,
            // v13: IMAP4rev1 \Recent (RFC 3501 §2.3.2): the first UID of each mailbox no session has claimed as recent
            // yet (MailStore#claimRecent). Existing messages count as seen by an earlier session; a new mailbox's
            // default 0 makes every message it gets recent until a session claims it.
            """
            ALTER TABLE mailboxes ADD COLUMN recent_uid INTEGER NOT NULL DEFAULT 0;
            UPDATE mailboxes SET recent_uid = uidnext;
            """,
            // v14: subscriptions by name (RFC 9051 §6.3.7, RFC 5258 §3.1): they outlive DELETE and RENAME of their
            // mailbox and may name none. The mailboxes.subscribed column is no longer read or kept up to date.
            """
            CREATE TABLE subscriptions(
                account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                PRIMARY KEY(account_id, name)) WITHOUT ROWID;
            INSERT INTO subscriptions(account_id, name) SELECT account_id, name FROM mailboxes WHERE subscribed = 1;
            """,
            // v15: the inbound pipeline (ADR 0008). Header lines added for one recipient are kept with the message
            // (messages.prefix, read in front of the blob; NULL = none). The spam classifier's model: token counts
            // and totals per account, account_id 0 being the shared model; what each account learned from which
            // blob; and the learning queue that moves into and out of Junk fill (id from counters: never reused).
            """
            ALTER TABLE messages ADD COLUMN prefix BLOB;
            CREATE TABLE spam_tokens(
                account_id INTEGER NOT NULL,
                token TEXT NOT NULL,
                spam INTEGER NOT NULL,
                ham INTEGER NOT NULL,
                PRIMARY KEY(account_id, token)) WITHOUT ROWID;
            CREATE TABLE spam_totals(
                account_id INTEGER PRIMARY KEY,
                spam INTEGER NOT NULL,
                ham INTEGER NOT NULL);
            CREATE TABLE spam_learned(
                account_id INTEGER NOT NULL,
                message TEXT NOT NULL,
                verdict TEXT NOT NULL,
                PRIMARY KEY(account_id, message)) WITHOUT ROWID;
            CREATE TABLE spam_learn_queue(
                id INTEGER PRIMARY KEY,
                account_id INTEGER NOT NULL,
                mailbox_id INTEGER NOT NULL,
                uid INTEGER NOT NULL,
                verdict TEXT NOT NULL);
            INSERT INTO counters(name, value) VALUES ('learn_task_id', 0);
            """,
            // v16: greylisting's triples (RFC 6647): client network, reverse-path ('' for <>), recipient account;
            // times in epoch milliseconds; a pending row counts its retry delay from first_seen, a passed one lives
            // while it is used (last_seen), both pruned by the greylisting stage.
            """
            CREATE TABLE greylist(
                network TEXT NOT NULL,
                sender TEXT NOT NULL,
                recipient INTEGER NOT NULL,
                first_seen INTEGER NOT NULL,
                last_seen INTEGER NOT NULL,
                passed INTEGER NOT NULL,
                PRIMARY KEY(network, sender, recipient)) WITHOUT ROWID;
            CREATE INDEX greylist_first_seen ON greylist(first_seen);
            CREATE INDEX greylist_last_seen ON greylist(last_seen);
            """,
            // v17: DMARC aggregate reports (RFC 7489 §7.2) waiting to be sent: per policy domain and UTC epoch day, the
            // record as published and a message count per row (an encoded line; at most DmarcReportStore.MAX_ROWS)
            """
            CREATE TABLE dmarc_report(
                domain TEXT NOT NULL,
                day INTEGER NOT NULL,
                record TEXT NOT NULL,
                PRIMARY KEY(domain, day)) WITHOUT ROWID;
            CREATE TABLE dmarc_report_row(
                domain TEXT NOT NULL,
                day INTEGER NOT NULL,
                row TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY(domain, day, row)) WITHOUT ROWID;
            """,
            // v18: header lines sent in front of a queue entry's blob for that entry only (a forwarded copy's ARC
            // set and Delivered-To, ADR 0013); empty for everything queued before.
            """
            ALTER TABLE queue ADD COLUMN prefix BLOB NOT NULL DEFAULT x'';
            """,
            // v19: Sieve scripts (RFC 5228) managed over ManageSieve (RFC 5804): names compared octet by octet
            // (BINARY), content as UTF-8 text; at most one active script per account (the partial unique index,
            // which is also how delivery finds it); an account's scripts go with it.
            """
            CREATE TABLE sieve_scripts(
                account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                content TEXT NOT NULL,
                active INTEGER NOT NULL,
                PRIMARY KEY(account_id, name)) WITHOUT ROWID;
            CREATE UNIQUE INDEX sieve_scripts_active ON sieve_scripts(account_id) WHERE active = 1;
            """,
            // v20: other accounts users collect mail from (tegami fetch). The password is sealed by the fetcher
            // (AES-GCM bound to id and account); AUTOINCREMENT so an id is never reused; starttls 1: STARTTLS/STLS
            // required on a cleartext connection, 0: implicit TLS. IMAP sources keep their
            // folder's UIDVALIDITY and highest UID fetched, POP3 sources the UIDLs fetched (pruned to the server's).
            """
            CREATE TABLE fetch_sources(
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                protocol TEXT NOT NULL,
                host TEXT NOT NULL,
                port INTEGER NOT NULL,
                username TEXT NOT NULL,
                password BLOB NOT NULL,
                folder TEXT NOT NULL,
                keep INTEGER NOT NULL,
                enabled INTEGER NOT NULL,
                last_success INTEGER,
                last_error TEXT NOT NULL DEFAULT '',
                failures INTEGER NOT NULL DEFAULT 0,
                auth_failures INTEGER NOT NULL DEFAULT 0,
                next_attempt INTEGER NOT NULL,
                starttls INTEGER NOT NULL DEFAULT 0,
                uidvalidity INTEGER,
                highest_uid INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX fetch_sources_account ON fetch_sources(account_id);
            CREATE INDEX fetch_sources_due ON fetch_sources(next_attempt);
            CREATE TABLE fetch_pop3_seen(
                source_id INTEGER NOT NULL REFERENCES fetch_sources(id) ON DELETE CASCADE,
                uidl TEXT NOT NULL,
                PRIMARY KEY(source_id, uidl)) WITHOUT ROWID;
            """,
            // v21: TLS reports (RFC 8460) waiting to be sent: per recipient domain and UTC epoch day, a session count
            // per row (an encoded line: policy, result, MX; at most TlsReportStore.MAX_ROWS)
            """
            CREATE TABLE tls_report_row(
                domain TEXT NOT NULL,
                day INTEGER NOT NULL,
                row TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY(domain, day, row)) WITHOUT ROWID;
            """,
            // v22: recent log lines about messages for `tegami trace`, each with the ids it names (m:, q:, t: keys);
            // line ids grow with time, so pruning cuts below one id in both tables
            """
            CREATE TABLE trace_line(
                id INTEGER PRIMARY KEY,
                time INTEGER NOT NULL,
                text TEXT NOT NULL);
            CREATE INDEX trace_line_time ON trace_line(time);
            CREATE TABLE trace_key(
                key TEXT NOT NULL,
                line_id INTEGER NOT NULL,
                PRIMARY KEY(key, line_id)) WITHOUT ROWID;
            CREATE INDEX trace_key_line ON trace_key(line_id);
            """,
            // v23: Sieve's marks at delivery (vacation replies sent, duplicate ids, notices given) by key digest,
            // so a restart forgets none
            """
            CREATE TABLE sieve_marks(
                account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                key TEXT NOT NULL,
                until INTEGER NOT NULL,
                PRIMARY KEY(account_id, key)) WITHOUT ROWID;
            CREATE INDEX sieve_marks_until ON sieve_marks(account_id, until);
            """,
            // v24: the envelope parameters a queue entry honours and relays: DSN (RFC 3461; RET, ENVID per entry,
            // NOTIFY and ORCPT per recipient; NULL when not given, NOTIFY 'NEVER' or e.g. 'SUCCESS,FAILURE') and the
            // TLS requirement (RFC 8689; EnvelopeParams.Tls: 0 default, 1 REQUIRETLS, 2 TLS-Required: No)
            """
            ALTER TABLE queue ADD COLUMN dsn_ret TEXT;
            ALTER TABLE queue ADD COLUMN dsn_envid TEXT;
            ALTER TABLE queue ADD COLUMN tls INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE queue_recipients ADD COLUMN notify TEXT;
            ALTER TABLE queue_recipients ADD COLUMN orcpt_type TEXT;
            ALTER TABLE queue_recipients ADD COLUMN orcpt TEXT;
            """,
            // v25: summaries of the TLS reports (RFC 8460) other organizations send us, one row per report and policy
            // (failure_types: "result-type=count,..."); rowid kept for the oldest-first bound
            """
            CREATE TABLE tls_report_received(
                report_id TEXT NOT NULL,
                policy_domain TEXT NOT NULL,
                policy_type TEXT NOT NULL,
                received INTEGER NOT NULL,
                organization TEXT NOT NULL,
                begin_at INTEGER NOT NULL,
                end_at INTEGER NOT NULL,
                success INTEGER NOT NULL,
                failure INTEGER NOT NULL,
                failure_types TEXT NOT NULL,
                UNIQUE(report_id, policy_domain, policy_type));
            CREATE INDEX tls_report_received_at ON tls_report_received(received);
            """,
            // v26: what nodes sharing a database coordinate through (ADR 0024): sliding-window events by key, and
            // leases; the same tables here so both stores run one implementation
            """
            CREATE TABLE coord_event(
                key TEXT NOT NULL,
                time INTEGER NOT NULL);
            CREATE INDEX coord_event_key ON coord_event(key, time);
            CREATE INDEX coord_event_time ON coord_event(time);
            CREATE TABLE coord_lease(
                name TEXT PRIMARY KEY,
                holder TEXT NOT NULL,
                until INTEGER NOT NULL);
            """,
            // v27: VANISHED and QRESYNC (RFC 7162 §3.2.10) read the tombstones above a modseq by index, where the
            // primary key made them walk every tombstone of the mailbox
            """
            CREATE INDEX expunged_by_modseq ON expunged(mailbox_id, modseq);
            """);

    static void migrate(Connection c) throws SQLException {
        migrate(c, MIGRATIONS.size());
    }

    /** Runs the migrations up to {@code upTo} only: tests build the data directory an older version left. */
    static void migrate(Connection c, int upTo) throws SQLException {
        try (Statement s = c.createStatement()) {
            int version;
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.getInt(1);
            }
            if (version > MIGRATIONS.size()) {
                throw new SQLException("the data directory was written by a newer Tegami (schema " + version
                        + ", this version knows " + MIGRATIONS.size() + "); upgrade Tegami");
            }
            for (int v = version; v < upTo; v++) {
                s.execute("BEGIN IMMEDIATE");
                try {
                    // Statements end at a ';' that ends a line (a trigger body keeps its inner ';' on one line).
                    for (String stmt : MIGRATIONS.get(v).split(";[ \\t]*\\n")) {
                        if (!stmt.isBlank()) s.execute(stmt);
                    }
                    s.execute("PRAGMA user_version=" + (v + 1));
                    s.execute("COMMIT");
                } catch (SQLException e) {
                    s.execute("ROLLBACK");
                    throw e;
                }
            }
        }
    }

    /** The schema version this code writes (the number of migrations). */
    static int latest() {
        return MIGRATIONS.size();
    }

    /** The SQL of the migration to {@code version} (1-based). */
    static String migration(int version) {
        return MIGRATIONS.get(version - 1);
    }
}
