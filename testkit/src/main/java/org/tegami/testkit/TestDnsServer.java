package org.tegami.testkit;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * A tiny authoritative DNS server over UDP on 127.0.0.1 for tests: answers from records added with
 * {@link #add(String)} in zone-file syntax, NXDOMAIN for names it has no records for.
 */
public final class TestDnsServer implements AutoCloseable {
    private final DatagramSocket socket;
    private final Map<Name, List<Record>> records = new ConcurrentHashMap<>();
    private final Thread thread;
    private final java.util.Set<Name> servfail = ConcurrentHashMap.newKeySet();

    public TestDnsServer() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = Thread.ofPlatform().daemon().name("test-dns").start(this::serve);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Adds one record, e.g. {@code "example.test. 300 IN MX 10 mx.example.test."}. */
    public TestDnsServer add(String zoneLine) {
        try {
            var parsed = new org.xbill.DNS.Master(new java.io.ByteArrayInputStream(zoneLine.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            for (Record r; (r = parsed.nextRecord()) != null; ) {
                records.computeIfAbsent(lower(r.getName()), k -> new CopyOnWriteArrayList<>()).add(r);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("bad zone line: " + zoneLine, e);
        }
        return this;
    }

    /** Answers SERVFAIL for this name (absolute, e.g. {@code "2.0.0.127.bl.example."}), as a broken server would. */
    public TestDnsServer servfail(String name) {
        servfail.add(lower(Name.fromConstantString(name)));
        return this;
    }

    private static Name lower(Name n) {
        return Name.fromConstantString(n.toString().toLowerCase(Locale.ROOT));
    }

    private void serve() {
        byte[] buf = new byte[4096];
        while (!socket.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                Message q = new Message(java.util.Arrays.copyOf(p.getData(), p.getLength()));
                Message r = new Message(q.getHeader().getID());
                r.getHeader().setFlag(Flags.QR);
                r.getHeader().setFlag(Flags.AA);
                Record question = q.getQuestion();
                r.addRecord(question, Section.QUESTION);
                List<Record> known = records.get(lower(question.getName()));
                if (servfail.contains(lower(question.getName()))) {
                    r.getHeader().setRcode(Rcode.SERVFAIL);
                } else if (known == null) {
                    r.getHeader().setRcode(Rcode.NXDOMAIN);
                } else {
                    for (Record rec : known) if (rec.getType() == question.getType()) r.addRecord(rec, Section.ANSWER);
                }
                byte[] out = r.toWire();
                socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
            } catch (IOException e) {
                if (socket.isClosed()) return;
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
