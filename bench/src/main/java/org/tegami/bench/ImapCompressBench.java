package org.tegami.bench;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Random;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import javax.net.ssl.SSLSocket;
import org.tegami.mime.EmailAddress;
import org.tegami.server.TegamiServer;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.Mailbox;
import org.tegami.testkit.TestTls;

/**
 * The IMAP extensions issue's COMPRESS benchmark: {@code FETCH BODY.PEEK[]} of a 10 MB message (half plain text, half
 * a base64 attachment) over 993, with and without COMPRESS=DEFLATE: octets on the wire (TLS payload) and CPU time of
 * the JVM (server and client together) per fetch.
 *
 * <pre>java -cp bench/target/benchmarks.jar org.tegami.bench.ImapCompressBench [megabytes]</pre>
 */
public final class ImapCompressBench {
    private ImapCompressBench() {}

    public static void main(String[] args) throws Exception {
        int mb = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        byte[] message = message(mb);
        try (TegamiServer server = ImapBench.startImapsOnly("tegami-imapcompress-", 100)) {
            var alice = server.store().accounts().user(EmailAddress.parse(ImapBench.USER).orElseThrow()).orElseThrow();
            Mailbox inbox = server.store().mail().mailbox(alice.id(), Mailbox.INBOX).orElseThrow();
            try (BlobStore.BlobWriter w = server.store().blobs().create()) {
                w.stream().write(message);
                BlobId blob = w.commit();
                server.store().mail().append(inbox.id(), blob, message.length, Instant.now(), Set.of());
            }
            System.out.printf("COMPRESS=DEFLATE: FETCH BODY.PEEK[] of a %,d-octet message over 993%n", message.length);
            for (boolean compress : new boolean[] {false, true, false, true}) run(server.port("imaps"), compress);
        }
    }

    /** Half text from a small vocabulary (like mail prose), half a base64 attachment of random bytes. */
    private static byte[] message(int mb) {
        Random r = new Random(42);
        String[] words = "the of and to in is that for it as with was on be by this are from at or an have not which but"
                .split(" ");
        StringBuilder sb = new StringBuilder("From: a@example.org\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n");
        int half = mb * 1024 * 1024 / 2;
        int line = 0;
        while (sb.length() < half) {
            sb.append(words[r.nextInt(words.length)]).append(r.nextInt(50) == 0 ? "." : "");
            if (++line % 12 == 0) sb.append("\r\n");
            else sb.append(' ');
        }
        sb.append("\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        byte[] random = new byte[half * 3 / 4];
        r.nextBytes(random);
        sb.append(Base64.getMimeEncoder().encodeToString(random)).append("\r\n--b--\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void run(int port, boolean compress) throws IOException {
        try (SSLSocket s = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            Counting raw = new Counting(s.getInputStream());
            InputStream in = raw;
            OutputStream out = s.getOutputStream();
            line(in);
            send(out, "a LOGIN " + ImapBench.USER + " " + ImapBench.PASSWORD);
            untilTagged(in, "a ");
            send(out, "b SELECT INBOX");
            untilTagged(in, "b ");
            if (compress) {
                send(out, "c COMPRESS DEFLATE");
                untilTagged(in, "c ");
                in = new InflaterInputStream(raw, new Inflater(true), 64 * 1024);
                out = new DeflaterOutputStream(s.getOutputStream(), new Deflater(Deflater.DEFAULT_COMPRESSION, true), true);
            }
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            long wire0 = raw.count;
            long t0 = System.nanoTime();
            send(out, "d FETCH 1 (BODY.PEEK[])");
            long payload = untilTagged(in, "d ");
            long t1 = System.nanoTime();
            System.out.printf("  %-12s %,12d octets on the wire for %,d octets of response (%.2fx), %.0f ms, CPU %.0f ms%n",
                    compress ? "compressed" : "plain", raw.count - wire0, payload, (double) payload / (raw.count - wire0),
                    (t1 - t0) / 1e6, (os.getProcessCpuTime() - cpu0) / 1e6);
        }
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) throw new IOException("closed");
            b.write(c);
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    /** Reads responses (skipping literals by their announced size) up to the tagged line; returns the octets read. */
    private static long untilTagged(InputStream in, String tag) throws IOException {
        long total = 0;
        while (true) {
            String l = line(in);
            total += l.length() + 1;
            if (l.startsWith(tag)) return total;
            int open = l.lastIndexOf('{');
            if (l.endsWith("}") && open >= 0) {
                long n = Long.parseLong(l.substring(open + 1, l.length() - 1));
                in.skipNBytes(n);
                total += n;
            }
        }
    }

    /** Counts the octets read from the TLS socket: what a COMPRESS client receives after decryption. */
    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) count += n;
            return n;
        }
    }
}
