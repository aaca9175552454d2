package org.tegami.sieve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tegami.sieve.Fixture.assertActions;

import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 5232 imap4flags: the internal variable, named variables, hasflag, :flags on keep and fileinto. */
class Imap4flagsTest {
    private final Fixture f = new Fixture();

    @Test
    void internalVariableFeedsKeepAndFileinto() {
        Result r = f.ok("""
                require ["imap4flags", "fileinto"];
                addflag "\\\\Seen";
                addflag ["$Work", "\\\\seen"];
                fileinto "Work";
                removeflag "$work";
                keep;
                """);
        assertActions(r, new Action.FileInto("Work", List.of("\\Seen", "$Work"), false, false), new Action.Keep(List.of("\\Seen")));
        assertEquals(List.of("\\Seen"), r.keepFlags());
    }

    @Test
    void explicitFlagsAndImplicitKeep() {
        Result r = f.ok("require [\"imap4flags\", \"fileinto\"]; setflag \"\\\\Flagged\"; fileinto :flags [\"a b\", \"c\"] \"X\";");
        assertActions(r, new Action.FileInto("X", List.of("a", "b", "c"), false, false));
        Result keep = f.ok("require \"imap4flags\"; setflag \"\\\\Flagged $Later\";");
        assertTrue(keep.implicitKeep());
        assertEquals(List.of("\\Flagged", "$Later"), keep.keepFlags());
    }

    @Test
    void rfc5232ExampleWithVariables() {
        // RFC 5232 §6 (shortened): flags kept in a variable
        String s = """
                require ["imap4flags", "fileinto", "variables", "relational", "comparator-i;ascii-numeric"];
                if header :contains "from" "coyote" {
                    setflag "flagvar" "\\\\Flagged";
                    addflag "flagvar" "$Boss";
                }
                if hasflag :contains "flagvar" "boss" { fileinto :flags "${flagvar}" "From Boss"; }
                if hasflag :count "eq" :comparator "i;ascii-numeric" "flagvar" "2" { fileinto "two"; }
                if hasflag "\\\\Flagged" { fileinto "internal"; }
                """;
        Result r = f.ok(s);
        assertActions(r, new Action.FileInto("From Boss", List.of("\\Flagged", "$Boss"), false, false), Fixture.fileinto("two"));
    }

    @Test
    void invalidFlagsAreDropped() {
        Result r = f.ok("require \"imap4flags\"; setflag [\"ok (bad) \\\\ \\\\Seen ]x a*b\", \"$Fine\"];");
        assertEquals(List.of("ok", "\\Seen", "$Fine"), r.keepFlags());
    }

    @Test
    void hasflagOnInternal() {
        assertFalse(f.fires("\"imap4flags\"", "hasflag \"x\""));
        Result r = f.ok("require [\"imap4flags\", \"fileinto\"]; addflag \"X\"; if hasflag :is \"x\" { fileinto \"yes\"; }");
        assertEquals(List.of(new Action.FileInto("yes", List.of("X"), false, false)), r.actions());
        Fixture.assertCompileError("require \"imap4flags\"; setflag \"v\" \"x\";", "needs require \"variables\"");
        Fixture.assertCompileError("keep :flags \"x\";", "needs require \"imap4flags\"");
    }
}
