package org.tegami.imap.server;

import java.util.List;

/** Compact sequence-set text for responses ({@code 1:3,7}), as RFC 4315 COPYUID and RFC 7162 VANISHED use. */
final class Uids {
    private Uids() {}

    /** The numbers in their order, each run of consecutive ascending numbers as a range (ESORT ALL keeps sort order). */
    static String compact(List<Long> ascending) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < ascending.size()) {
            long first = ascending.get(i);
            long last = first;
            while (i + 1 < ascending.size() && ascending.get(i + 1) == last + 1) last = ascending.get(++i);
            if (!sb.isEmpty()) sb.append(',');
            sb.append(first);
            if (last != first) sb.append(':').append(last);
            i++;
        }
        return sb.toString();
    }

    /** The numbers in the given order, comma-separated (COPYUID pairs must keep their order, RFC 4315 §3). */
    static String list(List<Long> numbers) {
        StringBuilder sb = new StringBuilder();
        for (long n : numbers) {
            if (!sb.isEmpty()) sb.append(',');
            sb.append(n);
        }
        return sb.toString();
    }
}
