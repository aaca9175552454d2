package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tegami.testkit.TestTls;

/**
 * A raw line client for server tests over the wire (SMTP, IMAP): exact lines, SMTP multi-line replies, IMAP tagged
 * responses and literals, on a plain or an implicit-TLS socket (trusting any certificate).
 */
final class Wire implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private Wire(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(60_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    static Wire plain(int port) throws IOException {
        return new Wire(new Socket("127.0.0.1", port));
    }

    static Wire tls(int port) throws IOException {
        return new Wire(TestTls.trustAllClientContext().getSocketFactory().createSocket("127.0.0.1", port));
    }

    void timeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    void send(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** One line without its CRLF. */
    String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) throw new IOException("connection closed after " + b);
            b.write(c);
        }
        String s = b.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** The last line of an SMTP reply (continuation lines {@code 250-…} skipped). */
    String reply() throws IOException {
        String l;
        do {
            l = line();
        } while (l.length() > 3 && l.charAt(3) == '-');
        return l;
    }

    /** Sends an IMAP command and returns its tagged response line, skipping untagged ones. */
    String command(String line) throws IOException {
        send(line);
        String tag = line.substring(0, line.indexOf(' ') + 1);
        String r;
        do {
            r = line();
        } while (!r.startsWith(tag));
        return r;
    }

    /** Reads a line that must be {@code head} + {@code n}} and then the n bytes of the literal. */
    byte[] literal(String head) throws IOException {
        String l = line();
        Matcher m = Pattern.compile(Pattern.quote(head) + "(\\d+)}").matcher(l);
        assertTrue(m.matches(), l);
        return in.readNBytes(Integer.parseInt(m.group(1)));
    }

    /**
     * One SMTP transaction from bob@example.org to alice@example.test on a port-25 listener; {@code message} has CRLF
     * line ends and no line that starts with a dot. Asserts the exact recipient reply and a 250 2.0.0 at the end.
     */
    static void smtp(int port, byte[] message) throws IOException {
        smtp(port, "bob@example.org", java.util.List.of("alice@example.test"), message);
    }

    /** The same from {@code sender} to each of {@code rcpts}, every RCPT answered exactly. */
    static void smtp(int port, String sender, java.util.List<String> rcpts, byte[] message) throws IOException {
        try (Wire w = plain(port)) {
            assertTrue(w.reply().startsWith("220 "));
            w.send("EHLO client.example.org");
            assertTrue(w.reply().startsWith("250 "));
            w.send("MAIL FROM:<" + sender + ">");
            assertEquals("250 2.1.0 Sender OK", w.reply());
            for (String r : rcpts) {
                w.send("RCPT TO:<" + r + ">");
                assertEquals("250 2.1.5 Recipient OK", w.reply());
            }
            w.send("DATA");
            assertTrue(w.reply().startsWith("354 "));
            w.write(message);
            w.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            String ok = w.reply();
            assertTrue(ok.startsWith("250 2.0.0"), ok);
            w.send("QUIT");
            assertTrue(w.reply().startsWith("221 "));
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
