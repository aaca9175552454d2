package org.tegami.imap.proto;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;

/**
 * A sequence set (RFC 9051 §9 {@code sequence-set}): message sequence numbers or UIDs as ranges, where
 * {@link #STAR} stands for the largest number in use, or the saved search result {@code $} (RFC 5182).
 *
 * @param ranges the ranges as written, in order; empty exactly when {@code saved}
 * @param saved  true for {@code $}: the server substitutes the last saved SEARCH result
 */
public record SequenceSet(List<Range> ranges, boolean saved) {

    /** {@code *}: the largest number in use (RFC 9051 §9 {@code seq-number}). */
    public static final long STAR = Long.MAX_VALUE;

    /** Largest value of a sequence number or UID (RFC 9051 §9 {@code nz-number}, a 32-bit unsigned). */
    public static final long MAX_NUMBER = 0xffff_ffffL;

    /** The saved search result reference {@code $} (RFC 5182 §2.1). */
    public static final SequenceSet SAVED = new SequenceSet(List.of(), true);

    /** One range {@code first:last} as written; a single number has {@code first == last}. */
    public record Range(long first, long last) {
        public Range {
            if (!valid(first) || !valid(last)) throw new IllegalArgumentException("not a sequence number: " + first + ":" + last);
        }

        private static boolean valid(long n) {
            return n == STAR || (n >= 1 && n <= MAX_NUMBER);
        }

        public long low(long max) {
            return Math.min(resolve(first, max), resolve(last, max));
        }

        public long high(long max) {
            return Math.max(resolve(first, max), resolve(last, max));
        }

        @Override
        public String toString() {
            return first == last ? str(first) : str(first) + ":" + str(last);
        }
    }

    public SequenceSet {
        ranges = List.copyOf(ranges);
        if (saved != ranges.isEmpty()) throw new IllegalArgumentException("a sequence set is either $ or ranges");
    }

    public static SequenceSet of(Range... ranges) {
        return new SequenceSet(List.of(ranges), false);
    }

    public static SequenceSet range(long first, long last) {
        return of(new Range(first, last));
    }

    public static SequenceSet single(long n) {
        return of(new Range(n, n));
    }

    /**
     * Whether {@code n} lies in the set when the largest number in use is {@code max}. RFC 9051 §9: {@code *}
     * resolves to {@code max}, and {@code 5:2} equals {@code 2:5}, so {@code UID 100:*} still holds the highest
     * UID when that is below 100.
     */
    public boolean contains(long n, long max) {
        requireResolved();
        for (Range r : ranges) {
            if (n >= r.low(max) && n <= r.high(max)) return true;
        }
        return false;
    }

    /** The largest explicit number in the set ({@code *} counts as {@code max}); servers reject sequence numbers above the message count. */
    public long highest(long max) {
        requireResolved();
        long h = 0;
        for (Range r : ranges) h = Math.max(h, r.high(max));
        return h;
    }

    /** The numbers in the set between 1 and {@code max}, ascending, each once; lazy, so {@code 1:*} costs nothing up front. */
    public PrimitiveIterator.OfLong iterator(long max) {
        requireResolved();
        List<long[]> merged = new ArrayList<>();
        ranges.stream()
                .map(r -> new long[] {Math.max(1, r.low(max)), Math.min(max, r.high(max))})
                .filter(r -> r[0] <= r[1])
                .sorted(Comparator.comparingLong(r -> r[0]))
                .forEach(r -> {
                    long[] last = merged.isEmpty() ? null : merged.getLast();
                    if (last != null && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
                    else merged.add(r);
                });
        return new PrimitiveIterator.OfLong() {
            private int index;
            private long next = merged.isEmpty() ? 0 : merged.getFirst()[0];

            @Override
            public boolean hasNext() {
                return index < merged.size();
            }

            @Override
            public long nextLong() {
                if (!hasNext()) throw new NoSuchElementException();
                long n = next;
                if (n == merged.get(index)[1]) {
                    index++;
                    if (index < merged.size()) next = merged.get(index)[0];
                } else {
                    next = n + 1;
                }
                return n;
            }
        };
    }

    private void requireResolved() {
        if (saved) throw new IllegalStateException("$ must be replaced by the saved search result first");
    }

    private static long resolve(long n, long max) {
        return n == STAR ? max : n;
    }

    private static String str(long n) {
        return n == STAR ? "*" : Long.toString(n);
    }

    /** The wire form, e.g. {@code 1:3,5,7:*} or {@code $}. */
    @Override
    public String toString() {
        if (saved) return "$";
        StringBuilder sb = new StringBuilder();
        for (Range r : ranges) {
            if (!sb.isEmpty()) sb.append(',');
            sb.append(r);
        }
        return sb.toString();
    }
}
