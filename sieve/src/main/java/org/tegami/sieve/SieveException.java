package org.tegami.sieve;

/**
 * A script that does not compile: a syntax error, a limit exceeded while reading it, a missing {@code require},
 * an unknown command or a wrong argument. {@link #getMessage()} is {@code line:column: message}, ready for a
 * ManageSieve {@code NO} response; the message never contains CR or LF.
 */
public final class SieveException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int line;
    private final int column;
    private final String reason;

    public SieveException(int line, int column, String reason) {
        super(line + ":" + column + ": " + oneLine(reason));
        this.line = line;
        this.column = column;
        this.reason = oneLine(reason);
    }

    /** 1-based line of the offending token. */
    public int line() {
        return line;
    }

    /** 1-based column (in characters) of the offending token. */
    public int column() {
        return column;
    }

    /** The message without the position. */
    public String reason() {
        return reason;
    }

    static String oneLine(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }
}
