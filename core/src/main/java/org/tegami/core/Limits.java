package org.tegami.core;

import java.time.Duration;

/**
 * Every input limit the server enforces, with its default, in one table. Each limit is checked before the
 * bytes it guards are buffered (or before SMTP {@code 354} / IMAP {@code +} is sent).
 *
 * @param smtpCommandLine    longest SMTP command line including CRLF (RFC 5321 §4.5.3.1.4: 512)
 * @param smtpTextLine       longest line of message text including CRLF on submission (587/465), where clients
 *                           encode long lines (RFC 5321 §4.5.3.1.6: 1000); the outbound queue carries only
 *                           submitted mail and our own bounces, so it never has a longer line to relay
 * @param messageSize        largest message accepted, advertised in SIZE (RFC 1870)
 * @param recipients         most RCPT TO per transaction (RFC 5321 §4.5.3.1.8 asks for at least 100)
 * @param connectionsTotal   open connections across all listeners
 * @param connectionsPerIp   open connections from one client address (50, Postfix's smtpd_client_connection_count_limit)
 * @param smtpCommandTimeout idle time allowed while waiting for a command (RFC 5321 §4.5.3.2.7: 5 minutes)
 * @param smtpDataTimeout    idle time allowed between data blocks (RFC 5321 §4.5.3.2.6: 3 minutes)
 * @param badCommands        protocol errors tolerated in one session before it is closed
 * @param messagesPerHour    messages one user may submit per hour (587/465); more get 450 4.7.1
 * @param inboundTextLine    longest line of message text including CRLF on port 25: 64 KiB. Some senders exceed
 *                           1000 and Postfix accepts them (it has no such limit inbound), so refusing would lose
 *                           mail; such lines are stored byte-exact for local delivery only
 * @param headerSection      largest header section of a submitted message, read into memory to check its From:
 *                           and Sender: fields (256 KiB); a bigger one is refused with 552 5.3.4
 */
public record Limits(
        int smtpCommandLine,
        int smtpTextLine,
        long messageSize,
        int recipients,
        int connectionsTotal,
        int connectionsPerIp,
        Duration smtpCommandTimeout,
        Duration smtpDataTimeout,
        int badCommands,
        int messagesPerHour,
        int inboundTextLine,
        int headerSection) {

    public static final Limits DEFAULTS = new Limits(
            512, 1000, 50L * 1024 * 1024, 100, 2000, 50,
            Duration.ofMinutes(5), Duration.ofMinutes(3), 10, 500, 64 * 1024, 256 * 1024);

    /** With the default {@code inboundTextLine} and {@code headerSection}. */
    public Limits(int smtpCommandLine, int smtpTextLine, long messageSize, int recipients, int connectionsTotal,
                  int connectionsPerIp, Duration smtpCommandTimeout, Duration smtpDataTimeout, int badCommands,
                  int messagesPerHour) {
        this(smtpCommandLine, smtpTextLine, messageSize, recipients, connectionsTotal, connectionsPerIp,
                smtpCommandTimeout, smtpDataTimeout, badCommands, messagesPerHour, 64 * 1024, 256 * 1024);
    }

    public Limits withMessageSize(long size) {
        return new Limits(smtpCommandLine, smtpTextLine, size, recipients, connectionsTotal, connectionsPerIp,
                smtpCommandTimeout, smtpDataTimeout, badCommands, messagesPerHour,
                inboundTextLine, headerSection);
    }

    public Limits withConnections(int total, int perIp) {
        return new Limits(smtpCommandLine, smtpTextLine, messageSize, recipients, total, perIp,
                smtpCommandTimeout, smtpDataTimeout, badCommands, messagesPerHour,
                inboundTextLine, headerSection);
    }

    public Limits withRecipients(int max) {
        return new Limits(smtpCommandLine, smtpTextLine, messageSize, max, connectionsTotal, connectionsPerIp,
                smtpCommandTimeout, smtpDataTimeout, badCommands, messagesPerHour,
                inboundTextLine, headerSection);
    }

    public Limits withMessagesPerHour(int max) {
        return new Limits(smtpCommandLine, smtpTextLine, messageSize, recipients, connectionsTotal, connectionsPerIp,
                smtpCommandTimeout, smtpDataTimeout, badCommands, max,
                inboundTextLine, headerSection);
    }

    public Limits withTimeouts(Duration command, Duration data) {
        return new Limits(smtpCommandLine, smtpTextLine, messageSize, recipients, connectionsTotal, connectionsPerIp,
                command, data, badCommands, messagesPerHour,
                inboundTextLine, headerSection);
    }
}
