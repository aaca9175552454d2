package org.tegami.mailauth.dns;

import java.util.List;

/**
 * The outcome of one DNS query, keeping apart what SPF, DKIM and DMARC map to different results: records, a
 * "void" answer (NXDOMAIN or no data, RFC 7208 §4.6.4) and a temporary failure (SERVFAIL, timeout, budget spent).
 */
public sealed interface DnsAnswer<T> {
    /** One or more records of the type asked for. */
    record Records<T>(List<T> values) implements DnsAnswer<T> {
        public Records {
            values = List.copyOf(values);
        }
    }

    /** The name does not exist ({@code nxdomain}) or has no records of the type asked for. */
    record Void<T>(boolean nxdomain) implements DnsAnswer<T> {}

    /** No conclusive answer: try again later. */
    record TempFail<T>(String reason) implements DnsAnswer<T> {}

    /** The records, or an empty list for a void answer or a failure. */
    default List<T> valuesOrEmpty() {
        return this instanceof Records<T> r ? r.values() : List.of();
    }
}
