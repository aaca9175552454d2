package org.tegami.smtp.proto;

/** A command line that cannot be parsed; carries the reply to send (5xx with an enhanced code). */
public final class SmtpSyntaxException extends Exception {
    private final transient SmtpReply reply;

    public SmtpSyntaxException(SmtpReply reply) {
        super(reply.toString(), null, false, false);
        this.reply = reply;
    }

    public SmtpSyntaxException(int code, String enhanced, String text) {
        this(SmtpReply.of(code, enhanced, text));
    }

    public SmtpReply reply() {
        return reply;
    }
}
