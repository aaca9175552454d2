package org.tegami.smtp.proto;

import java.util.Map;
import java.util.Optional;
import org.tegami.mime.EmailAddress;

/** Every SMTP command the server understands, as parsed by {@link SmtpParser} (RFC 5321 §4.1.1). */
public sealed interface SmtpCommand {

    /** RFC 5321 §4.1.1.1. */
    record Ehlo(String domain) implements SmtpCommand {}

    /** RFC 5321 §4.1.1.1. */
    record Helo(String domain) implements SmtpCommand {}

    /**
     * RFC 5321 §4.1.1.2; {@code sender} is empty for the null reverse-path {@code <>}.
     * {@code params} keys are upper-case (RFC 5321 §4.1.2 esmtp-keyword); values may be null.
     */
    record Mail(Optional<EmailAddress> sender, Map<String, String> params) implements SmtpCommand {}

    /**
     * RFC 5321 §4.1.1.3; {@code recipient} is empty for the bare {@code <Postmaster>} form, which every server
     * must accept (RFC 5321 §4.5.1).
     */
    record Rcpt(Optional<EmailAddress> recipient, Map<String, String> params) implements SmtpCommand {}

    /** RFC 5321 §4.1.1.4. */
    record Data() implements SmtpCommand {}

    /** RFC 3030 §2: a chunk of {@code size} octets follows the command line. */
    record Bdat(long size, boolean last) implements SmtpCommand {}

    record Rset() implements SmtpCommand {}

    record Noop() implements SmtpCommand {}

    record Quit() implements SmtpCommand {}

    record Vrfy(String argument) implements SmtpCommand {}

    record Help(String topic) implements SmtpCommand {}

    /** RFC 3207. */
    record StartTls() implements SmtpCommand {}

    /** RFC 4954 §4; {@code initialResponse} is the optional second argument ({@code =} for empty). */
    record Auth(String mechanism, Optional<String> initialResponse) implements SmtpCommand {}
}
