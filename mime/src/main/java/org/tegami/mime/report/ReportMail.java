package org.tegami.mime.report;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;

/**
 * The message that carries an automatic aggregate report (DMARC, RFC 7489 §7.2.1.1; TLS-RPT, RFC 8460 §5.3): a short
 * text part and the gzip'd report as a base64 attachment, marked {@code Auto-Submitted: auto-generated} (RFC 3834
 * §5). Every value put in a header comes from our configuration or from domain names already checked; CR and LF are
 * refused all the same, so no header can be injected.
 *
 * @param fromName     the display name of the sender ({@code mail.example.com DMARC reports})
 * @param from         the sender's address
 * @param to           the destination address
 * @param subject      the subject the report's RFC prescribes
 * @param messageId    the Message-ID without angle brackets
 * @param extraHeaders more header fields ({@code TLS-Report-Domain: …}), complete, without CRLF
 * @param contentType  the top-level type with its parameters but the boundary ({@code multipart/mixed},
 *                     {@code multipart/report; report-type="tlsrpt"})
 * @param text         the text part
 * @param partType     the attachment's media type ({@code application/gzip})
 * @param fileName     the attachment's file name
 */
public record ReportMail(String fromName, String from, String to, String subject, String messageId,
                         List<String> extraHeaders, String contentType, String text, String partType, String fileName) {
    public ReportMail {
        extraHeaders = List.copyOf(extraHeaders);
        for (String v : List.of(fromName, from, to, subject, messageId, contentType, partType, fileName)) {
            if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) throw new IllegalArgumentException("not a header value: " + v);
        }
        if (fileName.indexOf('"') >= 0 || fileName.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("not a file name for a quoted parameter: " + fileName);
        }
        for (String h : extraHeaders) {
            if (h.indexOf('\r') >= 0 || h.indexOf('\n') >= 0) throw new IllegalArgumentException("not a header field: " + h);
        }
    }

    /** The message, CRLF line ends, the attachment {@code report} base64 in 76-character lines. */
    public byte[] build(byte[] report, Instant date) {
        String boundary = "=_report_" + Long.toHexString(date.toEpochMilli()) + "_" + Integer.toHexString(to.hashCode());
        StringBuilder m = new StringBuilder(report.length * 4 / 3 + 1024);
        m.append("From: ").append(fromName).append(" <").append(from).append(">\r\n");
        m.append("To: <").append(to).append(">\r\n");
        m.append("Subject: ").append(subject).append("\r\n");
        m.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(date.atOffset(ZoneOffset.UTC))).append("\r\n");
        m.append("Message-ID: <").append(messageId).append(">\r\n");
        for (String h : extraHeaders) m.append(h).append("\r\n");
        m.append("Auto-Submitted: auto-generated\r\n"); // RFC 3834 §5
        m.append("MIME-Version: 1.0\r\n");
        m.append("Content-Type: ").append(contentType).append("; boundary=\"").append(boundary).append("\"\r\n\r\n");
        m.append("--").append(boundary).append("\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
        m.append(text.replace("\r\n", "\n").replace("\n", "\r\n")).append("\r\n\r\n");
        m.append("--").append(boundary).append("\r\nContent-Type: ").append(partType).append("; name=\"").append(fileName)
                .append("\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"")
                .append(fileName).append("\"\r\n\r\n");
        m.append(Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(report)).append("\r\n");
        m.append("--").append(boundary).append("--\r\n");
        return m.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
