package org.tegami.sieve;

import java.util.List;

/** A compiled, validated script; immutable and safe to evaluate from several threads at once. */
public final class SieveScript {
    private final List<Call> commands;
    private final SieveLimits limits;

    SieveScript(List<Call> commands, SieveLimits limits) {
        this.commands = commands;
        this.limits = limits;
    }

    List<Call> commands() {
        return commands;
    }

    public SieveLimits limits() {
        return limits;
    }

    /**
     * Runs the script against one message. Never throws for anything the script or the message does: runtime
     * errors and exceeded runtime limits come back as {@link Result#runtimeError()} with the implicit keep
     * (RFC 5228 §2.10.6).
     */
    public Result evaluate(SieveMessage message, SieveContext context) {
        return new Interpreter(limits, message, context).run(this);
    }
}
