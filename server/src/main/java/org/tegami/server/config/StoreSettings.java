package org.tegami.server.config;

/** Which store backend the server and admin commands open ({@code [store]}). */
public sealed interface StoreSettings {
    /** The kinds {@code [store] kind} accepts. */
    java.util.List<String> KINDS = java.util.List.of("embedded", "postgresql");

    /** SQLite and blob files in the data directory (the default). */
    record Embedded() implements StoreSettings {}

    /**
     * PostgreSQL at a JDBC URL ({@code jdbc:postgresql://host:5432/db}). Blob bytes above the inline limit stay files
     * under the data directory until shared object storage is configured, so for now this serves one node only.
     */
    record Postgres(String url, String user, String password) implements StoreSettings {
        @Override
        public String toString() {
            return "Postgres[url=" + url + ", user=" + user + ", password=" + (password.isEmpty() ? "" : "(set)") + "]";
        }
    }
}
