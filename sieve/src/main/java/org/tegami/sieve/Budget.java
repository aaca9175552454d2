package org.tegami.sieve;

/** The CPU budget of one evaluation ({@link SieveLimits#cpuBudget()}): work units charged as they are spent. */
final class Budget {
    private long left;

    Budget(long units) {
        this.left = units;
    }

    void charge(long units) {
        left -= units;
        if (left < 0) throw new SieveRuntimeException("CPU budget exceeded");
    }
}
