package org.tegami.server;

import java.util.List;
import java.util.OptionalInt;
import org.tegami.managesieve.server.ScriptChecker;
import org.tegami.sieve.Sieve;
import org.tegami.sieve.SieveException;
import org.tegami.sieve.SieveLimits;
import org.tegami.store.SieveScriptStore;

/**
 * ManageSieve's CHECKSCRIPT and PUTSCRIPT (RFC 5804 §2.12, §2.6) and {@code tegami sieve put}: the script is compiled
 * with the limits delivery uses, so what is accepted runs; the compiler's "line:column: reason" reaches the client in
 * the {@code NO}. The SIEVE capability lists the compiler's extensions, MAXREDIRECTS its redirect limit.
 */
public final class SieveChecker implements ScriptChecker {
    private final SieveScriptStore.Quota quota;
    private final SieveLimits limits;

    public SieveChecker(SieveScriptStore.Quota quota) {
        this.quota = quota;
        this.limits = SieveLimits.DEFAULTS;
    }

    @Override
    public Verdict check(String script) {
        if (SieveScriptStore.octets(script) > quota.maxScriptSize()) {
            return new Invalid("script too large: at most " + quota.maxScriptSize() + " octets");
        }
        try {
            Sieve.compile(script, limits);
            return Valid.CLEAN;
        } catch (SieveException e) {
            return new Invalid(e.getMessage());
        }
    }

    @Override
    public List<String> extensions() {
        return Sieve.extensions();
    }

    @Override
    public OptionalInt maxRedirects() {
        return OptionalInt.of(limits.redirects());
    }
}
