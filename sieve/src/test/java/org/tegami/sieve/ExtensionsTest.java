package org.tegami.sieve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tegami.sieve.Fixture.assertActions;
import static org.tegami.sieve.Fixture.fileinto;

import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * copy (RFC 3894), reject/ereject (RFC 5429), mailbox (RFC 5490), environment (RFC 5183), spamtest/virustest
 * (RFC 5235), duplicate (RFC 7352), ihave (RFC 5463).
 */
class ExtensionsTest {
    private final Fixture f = new Fixture();

    @Test
    void copyKeepsImplicitKeep() {
        // RFC 3894 §3
        Result r = f.ok("require [\"copy\", \"fileinto\"]; fileinto :copy \"Archive\"; redirect :copy \"a@example.net\";");
        assertTrue(r.implicitKeep());
        assertActions(r, new Action.FileInto("Archive", List.of(), false, true), new Action.Redirect("a@example.net", true));
        assertFalse(f.ok("require [\"copy\", \"fileinto\"]; fileinto :copy \"A\"; fileinto \"B\";").implicitKeep());
        Fixture.assertCompileError("redirect :copy \"a@example.net\";", "needs require \"copy\"");
    }

    @Test
    void rejectAndEreject() {
        Result r = f.ok("require \"reject\"; reject \"no thanks\";");
        assertActions(r, new Action.Reject("no thanks"));
        assertFalse(r.implicitKeep());
        assertActions(f.ok("require \"ereject\"; ereject \"no\";"), new Action.Ereject("no"));
        // RFC 5429 §2.1: not with keep, fileinto, redirect, nor twice
        for (String other : List.of("keep;", "fileinto \"x\";", "redirect \"a@b.test\";", "reject \"again\";")) {
            Result before = f.run("require [\"reject\", \"fileinto\"]; " + other + " reject \"x\";");
            Result after = f.run("require [\"reject\", \"fileinto\"]; reject \"x\"; " + other);
            assertTrue(before.runtimeError().isPresent(), other);
            assertTrue(after.runtimeError().isPresent(), other);
            assertTrue(after.implicitKeep());
            assertEquals(List.of(), after.actions());
        }
        // discard does not conflict
        assertTrue(f.run("require \"reject\"; discard; reject \"x\";").runtimeError().isEmpty());
    }

    @Test
    void mailbox() {
        // RFC 5490 §3.1, §3.2
        assertTrue(f.fires("\"mailbox\"", "mailboxexists [\"INBOX\", \"Lists\"]"));
        assertFalse(f.fires("\"mailbox\"", "mailboxexists [\"INBOX\", \"Nope\"]"));
        assertActions(f.ok("require [\"mailbox\", \"fileinto\"]; fileinto :create \"New\";"), new Action.FileInto("New", List.of(), true, false));
        Fixture.assertCompileError("require \"fileinto\"; fileinto :create \"x\";", "needs require \"mailbox\"");
    }

    @Test
    void environment() {
        // RFC 5183 §4
        String req = "\"environment\"";
        assertTrue(f.fires(req, "environment :is \"location\" \"MDA\""));
        assertTrue(f.fires(req, "environment :is \"phase\" \"during\""));
        assertTrue(f.fires(req, "environment :is \"name\" \"Tegami\""));
        assertTrue(f.fires(req, "environment :is \"host\" \"mail.example.com\""));
        assertTrue(f.fires(req, "environment :is \"domain\" \"example.com\""));
        assertTrue(f.fires(req, "environment :is \"version\" \"" + Sieve.VERSION + "\""));
        assertFalse(f.fires(req, "environment :contains \"remote-host\" \"\""));
    }

    @Test
    void spamtest() {
        String req = "\"spamtest\", \"relational\", \"comparator-i;ascii-numeric\"";
        String test = "spamtest :value \"ge\" :comparator \"i;ascii-numeric\" \"%s\"";
        // RFC 5235 §3.2: 0 when not tested
        assertTrue(f.fires(req, "spamtest :is \"0\""));
        f.spam = OptionalDouble.of(0.0);
        assertTrue(f.fires(req, "spamtest :is \"1\""));
        f.spam = OptionalDouble.of(1.0);
        assertTrue(f.fires(req, "spamtest :is \"10\""));
        f.spam = OptionalDouble.of(0.5);
        assertTrue(f.fires(req, test.formatted("5")));
        assertFalse(f.fires(req, test.formatted("7")));
        // RFC 5235 §3.3 (spamtestplus)
        f.spam = OptionalDouble.of(0.93);
        assertTrue(f.fires("\"spamtestplus\", \"relational\", \"comparator-i;ascii-numeric\"",
                "spamtest :percent :value \"ge\" :comparator \"i;ascii-numeric\" \"90\""));
        Fixture.assertCompileError("require \"spamtest\"; if spamtest :percent \"1\" {}", "needs require \"spamtestplus\"");
    }

    @Test
    void virustest() {
        String req = "\"virustest\", \"relational\", \"comparator-i;ascii-numeric\"";
        assertTrue(f.fires(req, "virustest :is \"0\""));
        f.virus = OptionalInt.of(5);
        assertTrue(f.fires(req, "virustest :value \"ge\" :comparator \"i;ascii-numeric\" \"4\""));
        f.virus = OptionalInt.of(1);
        assertFalse(f.fires(req, "virustest :value \"ge\" :comparator \"i;ascii-numeric\" \"4\""));
    }

    @Test
    void duplicate() {
        // RFC 7352 §3: by Message-ID by default; the agent records the marks after delivery
        Result first = f.ok("require [\"duplicate\", \"fileinto\"]; if duplicate { fileinto \"dup\"; }");
        assertActions(first);
        assertEquals(List.of(new Result.DuplicateMark("", "<1234@desert.example.org>", Duration.ofDays(7), false)),
                first.duplicateMarks());
        f.seen.add("|<1234@desert.example.org>");
        assertActions(f.ok("require [\"duplicate\", \"fileinto\"]; if duplicate { fileinto \"dup\"; }"), fileinto("dup"));
        Result custom = f.ok("require [\"duplicate\", \"variables\"]; if header :matches \"subject\" \"*\" {}"
                + " if duplicate :handle \"h\" :uniqueid \"${0}\" :seconds 60 :last { discard; }");
        assertEquals(List.of(new Result.DuplicateMark("h", "[acme-users] [fwd] version 1.0 is out", Duration.ofSeconds(60), true)),
                custom.duplicateMarks());
        Result byHeader = f.ok("require \"duplicate\"; if duplicate :header \"X-Nope\" { discard; }");
        assertEquals(List.of(), byHeader.duplicateMarks());
        Fixture.assertCompileError("require \"duplicate\"; if duplicate :header \"a\" :uniqueid \"b\" {}", "only one of");
    }

    @Test
    void ihave() {
        // RFC 5463 §4: the block of an unknown extension is neither checked nor run
        Result r = f.ok("""
                require ["ihave", "fileinto"];
                if ihave "x-frobnicate" { frobnicate :wildly; }
                elsif ihave ["relational", "variables"] { set "a" "b"; fileinto "has-${a}"; }
                """);
        assertActions(r, fileinto("has-b"));
        // RFC 5463 §5
        Result e = f.run("require \"ihave\"; error \"custom failure\";");
        assertEquals("error: custom failure", e.runtimeError().get());
        // runtime errors are one line, whatever the script says
        assertEquals("error: two?lines", f.run("require \"ihave\"; error \"two\r\nlines\";").runtimeError().get().replace("??", "?"));
    }
}
