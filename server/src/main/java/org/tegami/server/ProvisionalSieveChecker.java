package org.tegami.server;

import java.util.List;
import org.tegami.managesieve.server.ScriptChecker;
import org.tegami.store.SieveScriptStore;

/**
 * PROVISIONAL: stands in for the Sieve compiler until the {@code sieve} module is merged; the integrator replaces it
 * with a checker over {@code Sieve.compile(script, limits)} (its exception's line/column message as
 * {@link ScriptChecker.Invalid}) and {@code Sieve.extensions()}. Until then it checks only what ManageSieve
 * already guarantees, that the script is text within the size quota, and names no extensions.
 */
public final class ProvisionalSieveChecker implements ScriptChecker {
    private final SieveScriptStore.Quota quota;

    public ProvisionalSieveChecker(SieveScriptStore.Quota quota) {
        this.quota = quota;
    }

    @Override
    public Verdict check(String script) {
        // the protocol decoded the script as strict UTF-8 already; what is left is the size
        if (SieveScriptStore.octets(script) > quota.maxScriptSize()) {
            return new Invalid("script too large: at most " + quota.maxScriptSize() + " octets");
        }
        return Valid.CLEAN;
    }

    @Override
    public List<String> extensions() {
        return List.of();
    }
}
