package org.tegami.mailauth.srs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SrsTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OTHER = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);

    private static Srs at(Instant t, byte[]... secrets) {
        return new Srs(List.of(secrets), InstantSource.fixed(t), Duration.ofDays(21));
    }

    private static String local(String address) {
        return address.substring(0, address.lastIndexOf('@'));
    }

    @Test
    void srs0CarriesTheOriginalAndReversesToIt() {
        Srs srs = at(NOW, SECRET);
        String a = srs.forward("Alice@Sender.example", "fwd.example");
        assertTrue(a.matches("SRS0=[A-Z2-7]{6}=[A-Z2-7]{2}=Sender\\.example=Alice@fwd\\.example"), a);
        assertEquals(new Srs.Reversed.Valid("Alice@Sender.example"), srs.reverse(local(a)));
    }

    @Test
    void theTimestampIsTheDayModulo1024() {
        int day = (int) (NOW.getEpochSecond() / 86_400 % 1024);
        String a = at(NOW, SECRET).forward("a@b.example", "fwd.example");
        assertEquals(Srs.timestamp(day), a.split("=")[2]);
        assertEquals(day, Srs.decodeTimestamp(Srs.timestamp(day)));
    }

    @Test
    void aReceiverThatFoldsCaseDoesNotBreakIt() {
        Srs srs = at(NOW, SECRET);
        String a = local(srs.forward("alice@sender.example", "fwd.example"));
        assertEquals(new Srs.Reversed.Valid("alice@sender.example"), srs.reverse(a.toLowerCase(Locale.ROOT)));
        assertEquals(new Srs.Reversed.Valid("alice@sender.example"), srs.reverse(a.toUpperCase(Locale.ROOT)
                .replace("SENDER.EXAMPLE=ALICE", "sender.example=alice")));
    }

    @Test
    void aForgedHashIsRefused() {
        Srs srs = at(NOW, SECRET);
        String a = local(srs.forward("alice@sender.example", "fwd.example"));
        String forged = a.replace("=alice", "=mallory");
        assertEquals(new Srs.Reversed.Invalid("SRS address has an invalid hash"), srs.reverse(forged));
        assertEquals(new Srs.Reversed.Invalid("SRS address has an invalid hash"), at(NOW, OTHER).reverse(a),
                "another server's secret");
        String h = a.split("=")[1];
        String flipped = a.replace(h, (h.charAt(0) == 'A' ? "B" : "A") + h.substring(1));
        assertEquals(new Srs.Reversed.Invalid("SRS address has an invalid hash"), srs.reverse(flipped));
    }

    @Test
    void anExpiredAddressIsRefusedAndTheMaximumAgeStillAccepted() {
        String a = local(at(NOW, SECRET).forward("alice@sender.example", "fwd.example"));
        assertInstanceOf(Srs.Reversed.Valid.class, at(NOW.plus(Duration.ofDays(21)), SECRET).reverse(a));
        assertEquals(new Srs.Reversed.Invalid("SRS address has expired"), at(NOW.plus(Duration.ofDays(22)), SECRET).reverse(a));
        assertEquals(new Srs.Reversed.Invalid("SRS address has expired"), at(NOW.minus(Duration.ofDays(2)), SECRET).reverse(a),
                "from the future");
        // 1024 days later the day number has wrapped and is valid again (the same property libsrs2 has)
        assertInstanceOf(Srs.Reversed.Valid.class, at(NOW.plus(Duration.ofDays(1024)), SECRET).reverse(a));
    }

    @Test
    void aRetiredSecretStillChecksButNoLongerSigns() {
        String old = local(at(NOW, OTHER).forward("alice@sender.example", "fwd.example"));
        Srs rotated = at(NOW, SECRET, OTHER);
        assertEquals(new Srs.Reversed.Valid("alice@sender.example"), rotated.reverse(old));
        assertEquals(local(at(NOW, SECRET).forward("alice@sender.example", "fwd.example")),
                local(rotated.forward("alice@sender.example", "fwd.example")));
    }

    @Test
    void srs0FromAnotherForwarderBecomesSrs1AndReversesToIt() {
        Srs first = at(NOW, OTHER);
        String hop1 = first.forward("alice@sender.example", "first.example");
        Srs ours = at(NOW, SECRET);
        String hop2 = ours.forward(hop1, "fwd.example");
        assertTrue(hop2.matches("SRS1=[A-Z2-7]{6}=first\\.example==[A-Z2-7]{6}=[A-Z2-7]{2}=sender\\.example=alice@fwd\\.example"), hop2);
        assertEquals(new Srs.Reversed.Valid(hop1), ours.reverse(local(hop2)));
        // and the first forwarder takes it from there
        assertEquals(new Srs.Reversed.Valid("alice@sender.example"), first.reverse(local(hop1)));
        // a third forwarder keeps the first forwarder and the opaque part, with its own hash
        Srs third = at(NOW, "third-secret-third-secret-123456".getBytes(StandardCharsets.US_ASCII));
        String hop3 = third.forward(hop2, "third.example");
        assertTrue(hop3.startsWith("SRS1=") && hop3.contains("=first.example==") && hop3.endsWith("@third.example"), hop3);
        assertEquals(new Srs.Reversed.Valid(hop1), third.reverse(local(hop3)));
    }

    @Test
    void theNullSenderAndOurOwnDomainAreNotRewritten() {
        Srs srs = at(NOW, SECRET);
        assertEquals("", srs.forward("", "fwd.example"));
        assertEquals("bob@fwd.example", srs.forward("bob@fwd.example", "fwd.example"));
    }

    @Test
    void anAddressWithEqualsSignsInItsLocalPartSurvives() {
        Srs srs = at(NOW, SECRET);
        String a = srs.forward("a=b==c@sender.example", "fwd.example");
        assertEquals(new Srs.Reversed.Valid("a=b==c@sender.example"), srs.reverse(local(a)));
    }

    @Test
    void garbageIsInvalidOrNotSrs() {
        Srs srs = at(NOW, SECRET);
        assertInstanceOf(Srs.Reversed.NotSrs.class, srs.reverse("alice"));
        assertInstanceOf(Srs.Reversed.NotSrs.class, srs.reverse("SRS0"));
        assertInstanceOf(Srs.Reversed.NotSrs.class, srs.reverse("srs2=x"));
        for (String bad : List.of("SRS0=", "SRS0==", "SRS0=ABCDEF", "SRS0=ABCDEF=AA", "SRS0=ABCDEF=AA=dom",
                "SRS0=ABCDEF=A1=dom.example=x", "SRS0=ABCDEF=AA=bad_domain!=x", "SRS0=ABCDEF=AA==x", "SRS1=",
                "SRS1=ABCDEF", "SRS1=ABCDEF=host", "SRS1=ABCDEF=host=x", "SRS1=ABCDEF==x", "SRS1==host==x")) {
            assertInstanceOf(Srs.Reversed.Invalid.class, srs.reverse(bad), bad);
        }
        assertEquals(new Srs.Reversed.Invalid("SRS address too long"), srs.reverse("SRS0=" + "A".repeat(Srs.MAX_LOCAL_PART)));
    }

    @Test
    void looksLikeSrsNeedsTheSeparator() {
        assertTrue(Srs.looksLikeSrs("SRS0=x"));
        assertTrue(Srs.looksLikeSrs("srs1+x"));
        assertFalse(Srs.looksLikeSrs("SRS0x"));
        assertFalse(Srs.looksLikeSrs("srs"));
    }

    @Test
    void theSecretIsMadeOncePrivatelyAndKept(@TempDir Path dir) throws Exception {
        List<byte[]> first = SrsKeys.loadOrCreate(dir);
        assertEquals(1, first.size());
        assertEquals(32, first.getFirst().length);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("srs.key"))));
        assertEquals(java.util.HexFormat.of().formatHex(first.getFirst()),
                java.util.HexFormat.of().formatHex(SrsKeys.loadOrCreate(dir).getFirst()), "the same secret after a restart");
        Files.writeString(dir.resolve("srs.key"), "# rotated\n" + java.util.Base64.getEncoder().encodeToString(OTHER) + "\n"
                + Files.readString(dir.resolve("srs.key")));
        assertEquals(2, SrsKeys.loadOrCreate(dir).size());
    }
}
