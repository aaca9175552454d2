package org.tegami.sieve;

import java.util.List;
import java.util.Set;

/** Entry point: compile a script (for delivery and ManageSieve CHECKSCRIPT/PUTSCRIPT) and list the capabilities. */
public final class Sieve {
    /** The implementation version, for the {@code version} environment item (RFC 5183). */
    public static final String VERSION = "0.1";

    /** Every extension, core ones first, then in RFC order. */
    private static final List<String> EXTENSIONS = List.of(
            "fileinto", "reject", "envelope", "encoded-character", // RFC 5228
            "copy", // RFC 3894
            "comparator-i;ascii-numeric", // RFC 4790
            "body", // RFC 5173
            "environment", // RFC 5183
            "variables", // RFC 5229
            "vacation", // RFC 5230
            "relational", // RFC 5231
            "imap4flags", // RFC 5232
            "subaddress", // RFC 5233
            "spamtest", "spamtestplus", "virustest", // RFC 5235
            "date", "index", // RFC 5260
            "editheader", // RFC 5293
            "ereject", // RFC 5429
            "ihave", // RFC 5463
            "mailbox", // RFC 5490
            "vacation-seconds", // RFC 6131
            "include", // RFC 6609
            "duplicate"); // RFC 7352
    private static final Set<String> IMPLICIT = Set.of("comparator-i;octet", "comparator-i;ascii-casemap");

    private Sieve() {}

    /** The capability strings, e.g. for ManageSieve's {@code "SIEVE"} capability (RFC 5804 §1.7). */
    public static List<String> extensions() {
        return EXTENSIONS;
    }

    static boolean supports(List<String> names) {
        for (String n : names) if (!EXTENSIONS.contains(n) && !IMPLICIT.contains(n)) return false;
        return true;
    }

    /**
     * Lexes, parses and validates a script within {@code limits}.
     *
     * @throws SieveException with the line and column of the first problem
     */
    public static SieveScript compile(String source, SieveLimits limits) throws SieveException {
        return new SieveScript(Validator.validate(Parser.parse(source, limits)), limits);
    }

    public static SieveScript compile(String source) throws SieveException {
        return compile(source, SieveLimits.DEFAULTS);
    }
}
