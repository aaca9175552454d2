package org.tegami.managesieve.server;

import java.util.List;
import java.util.OptionalInt;

/**
 * Validates Sieve scripts (RFC 5228) for CHECKSCRIPT and PUTSCRIPT (RFC 5804 §2.12, §2.6) and names the Sieve
 * extensions for the SIEVE capability (§1.7). The Sieve language implementation provides it; ManageSieve only
 * carries its verdict to the client.
 *
 * <p>Implementations are thread-safe: one instance serves every session.
 */
public interface ScriptChecker {

    /** What {@link #check} found. */
    sealed interface Verdict permits Valid, Invalid {}

    /** The script compiles; {@code warnings}, when any, reach the client as {@code OK (WARNINGS)}. */
    record Valid(List<String> warnings) implements Verdict {
        public static final Valid CLEAN = new Valid(List.of());

        public Valid {
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * The script does not compile; {@code message} says where and why ("line 3, column 7: unknown command foo") and
     * reaches the client verbatim in the {@code NO} response.
     */
    record Invalid(String message) implements Verdict {}

    Verdict check(String script);

    /** The supported Sieve extensions (require names such as {@code fileinto}), for the SIEVE capability. */
    List<String> extensions();

    /** The most redirect actions one script may take (MAXREDIRECTS capability, RFC 5804 §1.7), when limited. */
    default OptionalInt maxRedirects() {
        return OptionalInt.empty();
    }
}
