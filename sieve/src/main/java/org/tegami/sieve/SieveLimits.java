package org.tegami.sieve;

/**
 * Every limit of the Sieve compiler and interpreter, with safe defaults ({@link #DEFAULTS}). Compile limits make
 * {@link Sieve#compile} fail with a {@link SieveException}; runtime limits end the evaluation with
 * {@link Result#runtimeError()} and the implicit keep (RFC 5228 §2.10.6).
 *
 * @param scriptSize     largest script in characters (64 KiB)
 * @param tokens         most tokens in one script
 * @param nesting        deepest nesting of blocks, test lists and string lists together
 * @param stringLength   longest string literal, and longest string after variable expansion, in characters
 * @param stringListSize most strings in one string list
 * @param variables      most distinct variables one evaluation may set (locals of every script plus globals)
 * @param variableLength longest variable value in characters; longer values are truncated (RFC 5229 §4)
 * @param actions        most actions one evaluation may execute
 * @param redirects      most redirects per message
 * @param includeDepth   deepest include chain (RFC 6609 §3.2), the main script being depth 0
 * @param includes       most scripts included in one evaluation
 * @param cpuBudget      work units per evaluation: one per command or test executed, one per character compared
 *                       or copied while matching, expanding or transforming
 * @param bodyBytes      most bytes of a message body the {@code body} test reads (the adapter's default)
 * @param headerEdits    most addheader/deleteheader executions per evaluation
 */
public record SieveLimits(
        int scriptSize,
        int tokens,
        int nesting,
        int stringLength,
        int stringListSize,
        int variables,
        int variableLength,
        int actions,
        int redirects,
        int includeDepth,
        int includes,
        long cpuBudget,
        int bodyBytes,
        int headerEdits) {

    public static final SieveLimits DEFAULTS = new SieveLimits(64 * 1024, 20_000, 32, 32 * 1024, 1_024, 256,
            4_096, 64, 4, 5, 16, 20_000_000L, 1024 * 1024, 64);

    public SieveLimits {
        if (scriptSize < 1 || tokens < 1 || nesting < 1 || stringLength < 1 || stringListSize < 1 || variables < 1
                || variableLength < 1 || actions < 1 || redirects < 0 || includeDepth < 0 || includes < 0
                || cpuBudget < 1 || bodyBytes < 0 || headerEdits < 0) {
            throw new IllegalArgumentException("sieve limits must be positive");
        }
    }

    public SieveLimits withCpuBudget(long v) {
        return new SieveLimits(scriptSize, tokens, nesting, stringLength, stringListSize, variables, variableLength,
                actions, redirects, includeDepth, includes, v, bodyBytes, headerEdits);
    }

    public SieveLimits withRedirects(int v) {
        return new SieveLimits(scriptSize, tokens, nesting, stringLength, stringListSize, variables, variableLength,
                actions, v, includeDepth, includes, cpuBudget, bodyBytes, headerEdits);
    }

    public SieveLimits withActions(int v) {
        return new SieveLimits(scriptSize, tokens, nesting, stringLength, stringListSize, variables, variableLength,
                v, redirects, includeDepth, includes, cpuBudget, bodyBytes, headerEdits);
    }

    public SieveLimits withVariables(int count, int length) {
        return new SieveLimits(scriptSize, tokens, nesting, stringLength, stringListSize, count, length,
                actions, redirects, includeDepth, includes, cpuBudget, bodyBytes, headerEdits);
    }

    public SieveLimits withIncludeDepth(int v) {
        return new SieveLimits(scriptSize, tokens, nesting, stringLength, stringListSize, variables, variableLength,
                actions, redirects, v, includes, cpuBudget, bodyBytes, headerEdits);
    }
}
