package org.tegami.sieve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tegami.sieve.Fixture.assertActions;
import static org.tegami.sieve.Fixture.fileinto;

import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 5228: control commands, actions and their interactions, the core tests, comparators and match types. */
class CoreTest {
    private final Fixture f = new Fixture();

    private static final String RFC5228_EXAMPLE = """
            #
            # Example Sieve Filter
            # Declare any optional features or extension used by the script
            #
            require ["fileinto"];

            #
            # Handle messages from known mailing lists
            # Move messages from IETF filter discussion list to filter mailbox
            #
            if header :is "Sender" "owner-ietf-mta-filters@imc.org"
                    {
                    fileinto "filter";  # move to "filter" mailbox
                    }
            #
            # Keep all messages to or from people in my company
            #
            elsif address :DOMAIN :is ["From", "To"] "example.com"
                    {
                    keep;               # keep in "In" mailbox
                    }

            #
            # Try and catch unsolicited email.  If a message is not to me,
            # or it contains a subject known to be spam, file it away.
            #
            elsif anyof (NOT address :all :contains
                           ["To", "Cc", "Bcc"] "me@example.com",
                         header :matches "subject"
                           ["*make*money*fast*", "*university*dipl*mas*"])
                    {
                    fileinto "spam";   # move to "spam" mailbox
                    }
            else
                    {
                    # Move all other (non-company) mail to "personal"
                    # mailbox.
                    fileinto "personal";
                    }
            """;

    private static String msg(String headers) {
        return headers + "\r\n\r\nbody\r\n";
    }

    @Test
    void rfc5228Section9Example() {
        Result list = f.run(RFC5228_EXAMPLE, msg("Sender: owner-ietf-mta-filters@imc.org\r\nTo: me@example.com"));
        assertActions(list, fileinto("filter"));
        Result company = f.run(RFC5228_EXAMPLE, msg("From: boss@example.com\r\nTo: me@other.test"));
        assertActions(company, new Action.Keep(List.of()));
        Result notToMe = f.run(RFC5228_EXAMPLE, msg("From: x@y.test\r\nTo: you@other.test"));
        assertActions(notToMe, fileinto("spam"));
        Result spam = f.run(RFC5228_EXAMPLE, msg("From: x@y.test\r\nBcc: me@example.com\r\nSubject: make lots of money fast"));
        assertActions(spam, fileinto("spam"));
        Result personal = f.run(RFC5228_EXAMPLE, msg("From: x@y.test\r\nCc: me@example.com\r\nSubject: hi"));
        assertActions(personal, fileinto("personal"));
        assertFalse(personal.implicitKeep());
    }

    @Test
    void emptyScriptKeepsImplicitly() {
        Result r = f.ok("");
        assertTrue(r.implicitKeep());
        assertEquals(List.of(), r.actions());
    }

    @Test
    void ifElsifElseTakesOneBranch() {
        String s = "require \"fileinto\"; if false { fileinto \"a\"; } elsif true { fileinto \"b\"; } elsif true { fileinto \"c\"; } else { fileinto \"d\"; }";
        assertActions(f.ok(s), fileinto("b"));
        assertActions(f.ok("require \"fileinto\"; if false { fileinto \"a\"; } else { fileinto \"d\"; }"), fileinto("d"));
    }

    @Test
    void stopEndsTheScript() {
        Result r = f.ok("require \"fileinto\"; fileinto \"a\"; stop; fileinto \"b\";");
        assertActions(r, fileinto("a"));
    }

    @Test
    void discardCancelsImplicitKeep() {
        Result r = f.ok("discard;");
        assertFalse(r.implicitKeep());
        assertActions(r, new Action.Discard());
    }

    @Test
    void keepAfterDiscardStores() {
        Result r = f.ok("discard; keep;");
        assertFalse(r.implicitKeep());
        assertActions(r, new Action.Keep(List.of()));
    }

    @Test
    void fileintoSameMailboxTwiceOnce() {
        // RFC 5228 §2.10.3
        Result r = f.ok("require \"fileinto\"; fileinto \"a\"; fileinto \"a\"; keep; fileinto \"INBOX\";");
        assertActions(r, fileinto("a"), new Action.Keep(List.of()));
    }

    @Test
    void redirectCancelsKeepAndDeduplicates() {
        Result r = f.ok("redirect \"a@example.net\"; redirect \"A@example.net\";");
        assertFalse(r.implicitKeep());
        assertActions(r, new Action.Redirect("a@example.net", false));
    }

    @Test
    void redirectBadAddressIsAnError() {
        Fixture.assertCompileError("redirect \"not an address\";", "bad redirect address");
        Fixture.assertCompileError("redirect \"a@b.test, c@d.test\";", "bad redirect address");
        Result r = f.run("require \"variables\"; set \"a\" \"not an address\"; redirect \"${a}\";");
        assertTrue(r.runtimeError().get().contains("redirect"));
        assertTrue(r.implicitKeep());
        assertEquals(List.of(), r.actions());
    }

    @Test
    void headerTest() {
        assertTrue(f.fires("", "header :contains \"Subject\" \"version 1.0\""));
        assertTrue(f.fires("", "header :is \"x-caffeine\" \"c8h10n4o2\""));
        assertFalse(f.fires("", "header :comparator \"i;octet\" :is \"x-caffeine\" \"c8h10n4o2\""));
        assertTrue(f.fires("", "header :is [\"X-Nope\", \"X-Number\"] \"7\""));
        assertFalse(f.fires("", "header :contains \"X-Nope\" \"\""));
        // RFC 5228 §5.7: values are RFC 2047 decoded
        assertTrue(f.run("require \"fileinto\"; if header :is \"Subject\" \"Grüße\" { fileinto \"yes\"; }",
                msg("Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=")).actions().contains(fileinto("yes")));
    }

    @Test
    void addressTest() {
        assertTrue(f.fires("", "address :is :all \"from\" \"coyote@desert.example.org\""));
        assertTrue(f.fires("", "address :domain :is \"to\" \"acme.example.com\""));
        assertTrue(f.fires("", "address :localpart :is \"to\" \"bugs\""));
        assertFalse(f.fires("", "address :localpart :is \"to\" \"Road Runner\""));
        // the group in Cc has no addresses
        assertFalse(f.fires("", "address :contains \"cc\" \"undisclosed\""));
        // RFC 5228 §5.1: an invalid address matches only with :all
        String bad = "To: just-a-name\r\n\r\nx\r\n";
        assertTrue(f.run("require \"fileinto\"; if address :all :is \"to\" \"just-a-name\" { fileinto \"yes\"; }", bad)
                .actions().contains(fileinto("yes")));
        assertFalse(f.run("require \"fileinto\"; if address :localpart :is \"to\" \"just-a-name\" { fileinto \"yes\"; }", bad)
                .actions().contains(fileinto("yes")));
        assertFalse(f.run("require \"fileinto\"; if address :domain :is \"to\" \"\" { fileinto \"yes\"; }", bad)
                .actions().contains(fileinto("yes")));
        // RFC 5228 §5.1: only fields that hold addresses
        Fixture.assertCompileError("if address :is \"Subject\" \"x\" {}", "does not hold addresses");
        assertFalse(f.fires("\"variables\"", "allof(true, address :contains \"${none}subject\" \"\")"));
    }

    @Test
    void keywordsAreCaseInsensitiveInAnyLocale() {
        java.util.Locale before = java.util.Locale.getDefault();
        java.util.Locale.setDefault(java.util.Locale.forLanguageTag("tr-TR"));
        try {
            // dotted/dotless i: "IF", ":IS", "INBOX" and "i;ascii-casemap" must not depend on the locale
            Result r = f.ok("REQUIRE \"fileinto\"; IF HEADER :IS :COMPARATOR \"i;ascii-casemap\" \"SUBJECT\" \"[ACME-USERS] [FWD] VERSION 1.0 IS OUT\""
                    + " { FILEINTO \"inbox\"; KEEP; }");
            assertActions(r, new Action.Keep(List.of()));
            assertTrue(f.fires("\"variables\"", "string :is \"${x}\" \"\""));
        } finally {
            java.util.Locale.setDefault(before);
        }
    }

    @Test
    void existsTest() {
        assertTrue(f.fires("", "exists [\"From\", \"x-caffeine\"]"));
        assertFalse(f.fires("", "exists [\"From\", \"X-Nope\"]"));
        assertTrue(f.fires("", "not exists \"X-Nope\""));
    }

    @Test
    void sizeTest() {
        int size = Fixture.MESSAGE.length();
        assertTrue(f.fires("", "size :over " + (size - 20)));
        assertFalse(f.fires("", "size :over 1M"));
        assertTrue(f.fires("", "size :under 1K"));
        assertFalse(f.fires("", "size :under 10"));
    }

    @Test
    void allofAnyofNot() {
        assertTrue(f.fires("", "allof (true, not false)"));
        assertFalse(f.fires("", "allof (true, false)"));
        assertTrue(f.fires("", "anyof (false, true)"));
        assertFalse(f.fires("", "anyof (false, false)"));
    }

    @Test
    void envelopeTest() {
        assertTrue(f.fires("\"envelope\"", "envelope :is \"from\" \"coyote@desert.example.org\""));
        assertTrue(f.fires("\"envelope\"", "envelope :domain :is \"to\" \"acme.example.com\""));
        assertFalse(f.fires("\"envelope\"", "envelope :is \"orig-to\" \"x\""));
        SieveMessage nullSender = RawSieveMessage.of("Subject: x\r\n\r\n".getBytes(), "", "a@b.test", 100);
        Result r = f.run("require [\"envelope\", \"fileinto\"]; if envelope :all :is \"from\" \"\" { fileinto \"bounce\"; }"
                + " if envelope :domain :is \"from\" \"\" { fileinto \"domain\"; }", nullSender);
        assertActions(r, fileinto("bounce"));
    }

    @Test
    void unknownCommandFailsWithPosition() {
        SieveException e = Fixture.compileError("keep;\n  frobnicate;");
        assertEquals(2, e.line());
        assertEquals(3, e.column());
        assertTrue(e.getMessage().startsWith("2:3: unknown command 'frobnicate'"), e.getMessage());
    }

    @Test
    void extensionWithoutRequireFails() {
        Fixture.assertCompileError("fileinto \"x\";", "needs require \"fileinto\"");
        Fixture.assertCompileError("require \"frobnitz\";", "unsupported extension");
        Fixture.assertCompileError("keep; require \"fileinto\";", "require must come before");
        Fixture.assertCompileError("if true { require \"fileinto\"; }", "require");
    }

    @Test
    void argumentChecks() {
        Fixture.assertCompileError("if header :is :contains \"a\" \"b\" { keep; }", "only one of match types");
        Fixture.assertCompileError("if header :is \"a\" { keep; }", "needs 2 positional arguments");
        Fixture.assertCompileError("if header :frob \"a\" \"b\" { keep; }", "no tag :frob");
        Fixture.assertCompileError("if size 100 { keep; }", "size needs :over or :under");
        Fixture.assertCompileError("if size :over \"x\" { keep; }", "needs a number");
        Fixture.assertCompileError("if header :comparator \"i;foo\" :is \"a\" \"b\" { keep; }", "unknown comparator");
        Fixture.assertCompileError("if header :regex \"a\" \"b\" { keep; }", ":regex is not supported");
        Fixture.assertCompileError("elsif true { keep; }", "elsif without if");
        Fixture.assertCompileError("if true keep;", "needs a block");
        Fixture.assertCompileError("keep", "expected ';'");
        Fixture.assertCompileError("if keep { }", "'keep' is a command, not a test");
        Fixture.assertCompileError("true;", "'true' is a test, not a command");
        Fixture.assertCompileError("if allof true { }", "needs a test list");
        Fixture.assertCompileError("stop { }", "takes no block");
    }

    @Test
    void comparatorsAndMatchTypes() {
        assertTrue(f.fires("", "header :matches \"Subject\" \"*VERSION ?.0*\""));
        assertFalse(f.fires("", "header :matches :comparator \"i;octet\" \"Subject\" \"*VERSION ?.0*\""));
        assertTrue(f.fires("", "header :contains :comparator \"i;octet\" \"Subject\" \"version\""));
        assertTrue(f.fires("\"comparator-i;ascii-numeric\"", "header :is :comparator \"i;ascii-numeric\" \"X-Number\" \"007\""));
        Fixture.assertCompileError("require \"comparator-i;ascii-numeric\"; if header :contains :comparator \"i;ascii-numeric\" \"a\" \"1\" {}",
                "cannot be used with :contains");
        Fixture.assertCompileError("if header :is :comparator \"i;ascii-numeric\" \"a\" \"1\" {}", "needs require");
    }

    @Test
    void stringsAndComments() {
        String s = """
                require "fileinto"; /* a bracketed
                comment */ # a hash comment
                if header :is "Subject" text: # comment after text:
                [acme-users] [fwd] version 1.0 is out
                .
                { fileinto "multiline"; }
                if header :is "X-Caffeine" "C8H10N4O2\\\\" { fileinto "no"; }
                if header :is "X-Caffeine" "C8H10N4\\O2" { fileinto "escape"; }
                """;
        // a multi-line string ends in CRLF, so it does not equal the subject
        assertActions(f.ok(s), fileinto("escape"));
        String dots = "require \"reject\"; reject text:\n..hidden\n.single\n...\n.\n;";
        assertActions(f.ok(dots), new Action.Reject(".hidden\r\n.single\r\n..\r\n"));
    }

    @Test
    void byteOrderMarkAndNul() {
        assertActions(f.ok("\uFEFFrequire \"fileinto\"; fileinto \"a\";"), fileinto("a"));
        SieveException e = Fixture.compileError("keep;\nkeep\0;");
        assertEquals("2:5: NUL character in script", e.getMessage());
        // LF alone ends lines as CRLF does; positions count either
        assertEquals(3, Fixture.compileError("keep;\r\nkeep;\nfrob;").line());
    }

    @Test
    void encodedCharacter() {
        // RFC 5228 §2.4.2.4
        String s = "require [\"encoded-character\", \"fileinto\"];\n"
                + "if header :contains \"Subject\" \"$${hex:24 24}\" { fileinto \"no\"; }\n"
                + "fileinto \"${hex:48 65 6C 6C 6F}-${unicode:263a}-${HEX: 5f}-${hex:zz}-${unicode:}\";";
        assertActions(f.ok(s), fileinto("Hello-\u263a-_-${hex:zz}-"));
        Fixture.assertCompileError("require \"encoded-character\"; redirect \"${unicode:D800}@x.test\";", "invalid unicode");
        // without the extension the text stays as written
        assertActions(f.ok("require \"fileinto\"; fileinto \"${hex:41}\";"), fileinto("${hex:41}"));
    }

    @Test
    void compiledScriptIsSharedAcrossThreads() throws Exception {
        SieveScript script = Sieve.compile("""
                require ["fileinto", "variables", "imap4flags", "editheader"];
                if header :matches "Subject" "*<*>*" { addflag "${2}"; fileinto "${2}"; addheader "X-Tag" "${2}"; }
                """);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String tag = "t" + i;
                results.add(pool.submit(() -> {
                    Result r = script.evaluate(Fixture.message("Subject: x <" + tag + "> y\r\n\r\nbody\r\n"), f);
                    return r.actions().equals(List.of(new Action.FileInto(tag, List.of(tag), false, false)))
                            && r.headers().prefix().get().equals("X-Tag: " + tag + "\r\n");
                }));
            }
            for (java.util.concurrent.Future<Boolean> r : results) assertTrue(r.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void extensionsInRfcOrder() {
        List<String> ext = Sieve.extensions();
        assertEquals("fileinto", ext.get(0));
        assertTrue(ext.containsAll(List.of("variables", "vacation", "relational", "imap4flags", "subaddress", "copy",
                "body", "date", "index", "editheader", "duplicate", "spamtest", "spamtestplus", "virustest", "mailbox",
                "environment", "ihave", "include", "reject", "ereject", "envelope", "encoded-character",
                "vacation-seconds", "comparator-i;ascii-numeric")));
        assertFalse(ext.contains("regex"));
    }
}
