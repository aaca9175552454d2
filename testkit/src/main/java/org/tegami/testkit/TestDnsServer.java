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
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * A tiny authoritative DNS server over UDP on 127.0.0.1 for tests: answers from records added with
 * {@link #add(String)} in zone-file syntax, NXDOMAIN for names it has no records for. Signed zones added with
 * {@link #addZone} are served as a recursive resolver serves them to a validator asking with DO (RFC 4035 §3.2):
 * RRSIGs beside answers, SOA and NSEC proofs beside NODATA and NXDOMAIN answers.
 */
public final class TestDnsServer implements AutoCloseable {
    private final DatagramSocket socket;
    private final Map<Name, List<Record>> records = new ConcurrentHashMap<>();
    private final Thread thread;
    private final java.util.Set<Name> servfail = ConcurrentHashMap.newKeySet();
    private final List<SignedZone> zones = new CopyOnWriteArrayList<>();
    private final java.util.Set<Name> silent = ConcurrentHashMap.newKeySet();

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

    /** Serves a signed zone (its records, signatures and NSEC proofs). */
    public TestDnsServer addZone(SignedZone zone) {
        for (Record r : zone.records()) records.computeIfAbsent(lower(r.getName()), k -> new CopyOnWriteArrayList<>()).add(r);
        zones.add(zone);
        return this;
    }

    /** Never answers queries for this name (absolute), as a server behind a firewall that drops them. */
    public TestDnsServer drop(String name) {
        silent.add(lower(Name.fromConstantString(name)));
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
                Name qname = lower(question.getName());
                if (silent.contains(qname)) continue;
                int qtype = question.getType();
                boolean dnssec = q.getOPT() != null && (q.getOPT().getFlags() & ExtendedFlags.DO) != 0;
                if (q.getOPT() != null) r.addRecord(new OPTRecord(4096, 0, 0, dnssec ? ExtendedFlags.DO : 0), Section.ADDITIONAL);
                List<Record> known = records.get(qname);
                SignedZone zone = dnssec ? zoneOf(qname, qtype) : null;
                if (servfail.contains(qname)) {
                    r.getHeader().setRcode(Rcode.SERVFAIL);
                } else if (known == null) {
                    r.getHeader().setRcode(Rcode.NXDOMAIN);
                    if (zone != null) nxdomainProof(zone, qname, r);
                } else {
                    boolean any = false;
                    for (Record rec : known) {
                        if (rec.getType() == qtype) {
                            r.addRecord(rec, Section.ANSWER);
                            any = true;
                        }
                    }
                    if (dnssec) {
                        for (Record rec : known) {
                            if (rec instanceof RRSIGRecord s && s.getTypeCovered() == qtype) r.addRecord(rec, Section.ANSWER);
                        }
                    }
                    if (!any && zone != null) {
                        // RFC 4035 §3.1.3.1: NODATA is proven by the NSEC at the name
                        zone.soa().forEach(x -> r.addRecord(x, Section.AUTHORITY));
                        zone.nsecFor(qname).forEach(x -> r.addRecord(x, Section.AUTHORITY));
                    }
                }
                byte[] out = r.toWire();
                socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
            } catch (IOException e) {
                if (socket.isClosed()) return;
            }
        }
    }

    /**
     * The signed zone answering for {@code qname}: the deepest whose apex is above it, the parent for DS (RFC 4035
     * §3.1.4.1), none below an insecure delegation.
     */
    private SignedZone zoneOf(Name qname, int qtype) {
        SignedZone best = null;
        for (SignedZone z : zones) {
            if (!qname.subdomain(z.apex()) || (qtype == org.xbill.DNS.Type.DS && qname.equals(z.apex()))) continue;
            if (best == null || z.apex().labels() > best.apex().labels()) best = z;
        }
        if (best == null || best.belowCut(qname, qtype != org.xbill.DNS.Type.DS)) return null;
        return best;
    }

    /** RFC 4035 §3.1.3.2: the NSEC covering the name and the one covering the wildcard at its closest encloser. */
    private static void nxdomainProof(SignedZone zone, Name qname, Message r) {
        zone.soa().forEach(x -> r.addRecord(x, Section.AUTHORITY));
        java.util.Set<Record> proof = new java.util.LinkedHashSet<>(zone.nsecFor(qname));
        Name encloser = qname;
        while (encloser.labels() > 1 && !zone.exists(encloser)) encloser = new Name(encloser, 1);
        try {
            proof.addAll(zone.nsecFor(Name.concatenate(Name.fromConstantString("*"), encloser)));
        } catch (org.xbill.DNS.NameTooLongException e) {
            // no wildcard can exist under a name this long
        }
        proof.forEach(x -> r.addRecord(x, Section.AUTHORITY));
    }

    @Override
    public void close() {
        socket.close();
    }
}
