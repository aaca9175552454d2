package org.tegami.sieve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tegami.sieve.Fixture.assertActions;
import static org.tegami.sieve.Fixture.fileinto;

import org.junit.jupiter.api.Test;

/** RFC 5229 variables: set and its modifiers, expansion, match variables, the string test, limits. */
class VariablesTest {
    private final Fixture f = new Fixture();

    private String value(String setup, String expr) {
        Result r = f.ok("require [\"variables\", \"fileinto\"];\n" + setup + "\nfileinto \"=" + expr + "\";");
        return ((Action.FileInto) r.actions().get(0)).mailbox().substring(1);
    }

    @Test
    void rfc5229SetExamples() {
        // RFC 5229 §4.1
        String a = "set \"a\" \"juMBlEd lETteRS\";";
        assertEquals("juMBlEd lETteRS", value(a, "${a}"));
        assertEquals("15", value(a + "set :length \"b\" \"${a}\";", "${b}"));
        assertEquals("jumbled letters", value(a + "set :lower \"b\" \"${a}\";", "${b}"));
        assertEquals("JuMBlEd lETteRS", value(a + "set :upperfirst \"b\" \"${a}\";", "${b}"));
        assertEquals("Jumbled letters", value(a + "set :upperfirst :lower \"b\" \"${a}\";", "${b}"));
        assertEquals("Rock\\*", value("set :quotewildcard \"b\" \"Rock*\";", "${b}"));
        assertEquals("aBC", value("set :lowerfirst \"b\" \"ABC\";", "${b}"));
    }

    @Test
    void expansion() {
        // RFC 5229 §3: names are case-insensitive, unknown ones empty, malformed references stay
        assertEquals("[x][][${bad-name}][${]", value("set \"Name\" \"x\";", "[${NAME}][${unknown}][${bad-name}][${]"));
        assertEquals("$x", value("set \"a\" \"x\";", "$${a}"));
        Fixture.assertCompileError("require \"variables\"; set \"1\" \"x\";", "bad variable name");
        Fixture.assertCompileError("require \"variables\"; set \"a-b\" \"x\";", "bad variable name");
    }

    @Test
    void rfc5229MatchVariables() {
        // RFC 5229 §3.2 examples
        String s = """
                require ["fileinto", "variables"];
                if header :matches "List-ID" "*<*@*" {
                    fileinto "INBOX.lists.${2}"; stop;
                }
                """;
        assertActions(f.ok(s), fileinto("INBOX.lists.acme-users"));
        String subject = """
                require ["fileinto", "variables"];
                if header :matches "Subject" "[*] *" {
                    fileinto "INBOX.lists.${1}"; stop;
                }
                """;
        assertActions(f.ok(subject), fileinto("INBOX.lists.acme-users"));
        String coyote = """
                require ["fileinto", "variables"];
                if address :matches ["To", "Cc"] ["coyote@**.com", "wile@**.com"] {
                    fileinto "INBOX.business.${2}"; stop;
                }
                if address :matches "To" ["roadrunner*@**.com"] {
                    fileinto "[${0}][${1}][${2}][${3}]";
                }
                """;
        assertActions(f.ok(coyote), fileinto("[roadrunner+acme@ACME.Example.COM][+acme][][ACME.Example]"));
        // a failed match leaves the previous values
        String failed = """
                require ["fileinto", "variables"];
                if header :matches "Subject" "[*]*" { }
                if header :matches "Subject" "nothing*" { }
                fileinto "${1}";
                """;
        assertActions(f.ok(failed), fileinto("acme-users"));
    }

    @Test
    void stringTest() {
        assertTrue(f.fires("\"variables\"", "string :is \"${nothing}\" \"\""));
        assertTrue(f.fires("\"variables\"", "string :contains [\"abc\", \"def\"] \"e\""));
        // RFC 5229 §5: empty strings do not count
        assertTrue(f.fires("\"variables\", \"relational\", \"comparator-i;ascii-numeric\"",
                "string :count \"eq\" :comparator \"i;ascii-numeric\" [\"\", \"a\", \"\"] \"1\""));
        assertFalse(f.fires("\"variables\"", "string :is \"a\" \"b\""));
    }

    @Test
    void valuesAreTruncated() {
        f.toString();
        SieveLimits small = SieveLimits.DEFAULTS.withVariables(256, 5);
        try {
            Result r = Sieve.compile("require [\"variables\", \"fileinto\"]; set \"a\" \"\u263a\u263a\u263a\u263a\u263aXYZ\"; fileinto \"${a}\";", small)
                    .evaluate(Fixture.message(Fixture.MESSAGE), f);
            assertActions(r, fileinto("\u263a\u263a\u263a\u263a\u263a"));
        } catch (SieveException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void tooManyVariablesIsRuntimeError() {
        StringBuilder s = new StringBuilder("require \"variables\";");
        for (int i = 0; i < 300; i++) s.append("set \"v").append(i).append("\" \"x\";");
        Result r = f.run(s.toString());
        assertTrue(r.runtimeError().get().contains("variables"), r.runtimeError().get());
        assertTrue(r.implicitKeep());
    }
}
