package org.tegami.sieve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 5293 editheader: prefix-only results, :last, deleteheader selection, protected fields, later tests see edits. */
class EditheaderTest {
    private final Fixture f = new Fixture();

    private Result run(String body) {
        return f.ok("require [\"editheader\", \"fileinto\", \"variables\", \"index\"];\n" + body);
    }

    @Test
    void addheaderAtTopIsAPrefix() {
        Result r = run("addheader \"X-Sieve\" \"filtered\"; addheader \"X-Second\" \"Grüße\";");
        assertTrue(r.headers().onlyPrepended());
        assertEquals("X-Second: =?UTF-8?B?R3LDvMOfZQ==?=\r\nX-Sieve: filtered\r\n", r.headers().prefix().get());
        assertEquals("X-Second", r.headers().fields().get(0).name());
    }

    @Test
    void lastAndDeleteNeedARewrite() {
        Result r = run("addheader :last \"X-End\" \"1\";");
        assertFalse(r.headers().onlyPrepended());
        assertTrue(r.headers().prefix().isEmpty());
        assertEquals("X-End", r.headers().fields().getLast().name());
        Result d = run("deleteheader \"X-Caffeine\";");
        assertFalse(d.headers().onlyPrepended());
        assertTrue(d.headers().fields().stream().noneMatch(h -> h.name().equals("X-Caffeine")));
    }

    @Test
    void deleteheaderSelects() {
        Result r = run("deleteheader :index 1 :last \"X-Number\";");
        assertEquals(List.of("42"), numbers(r));
        r = run("deleteheader :is \"X-Number\" \"42\";");
        assertEquals(List.of("7"), numbers(r));
        r = run("deleteheader :matches \"X-Number\" \"*\";");
        assertEquals(List.of(), numbers(r));
        r = run("deleteheader :index 5 \"X-Number\";");
        assertEquals(List.of("42", "7"), numbers(r));
    }

    private static List<String> numbers(Result r) {
        return r.headers().fields().stream().filter(h -> h.name().equals("X-Number")).map(HeaderField::unfolded).toList();
    }

    @Test
    void protectedFieldsStay() {
        Result r = run("deleteheader \"Received\"; addheader \"Auto-Submitted\" \"no\"; deleteheader \"auto-submitted\";");
        assertTrue(r.headers().onlyPrepended());
        assertTrue(r.headers().fields().stream().anyMatch(h -> h.name().equals("Received")));
        assertTrue(r.headers().fields().stream().noneMatch(h -> h.name().equals("Auto-Submitted")));
    }

    /**
     * RFC 5293 §6: Received is never deleted, Subject always editable; our policy keeps trace and loop fields and
     * refuses forged authentication fields, but the user may delete those the server vouched for (their own copy).
     */
    @Test
    void authenticationFieldsMayBeDeletedButNotForged() {
        Fixture g = new Fixture();
        String msg = "Return-Path: <a@b.test>\r\nDelivered-To: me@x.test\r\nAuthentication-Results: mx; dkim=pass\r\n"
                + "DKIM-Signature: v=1; d=b.test\r\nSubject: s\r\n\r\nbody\r\n";
        Result r = g.run("require \"editheader\";\n"
                + "deleteheader \"Authentication-Results\"; deleteheader \"DKIM-Signature\";\n"
                + "deleteheader \"Return-Path\"; deleteheader \"Delivered-To\"; deleteheader \"Subject\";\n"
                + "addheader \"Authentication-Results\" \"mx; dkim=pass\"; addheader \"Received\" \"forged\";\n",
                msg);
        assertTrue(r.runtimeError().isEmpty());
        assertEquals(List.of("Return-Path", "Delivered-To"), r.headers().fields().stream().map(HeaderField::name).toList());
    }

    @Test
    void laterTestsSeeEdits() {
        Result r = run("""
                addheader "X-Tag" "one";
                if header :is "X-Tag" "one" { fileinto "seen-add"; }
                deleteheader "Subject";
                if not exists "Subject" { fileinto "seen-delete"; }
                """);
        assertEquals(List.of(Fixture.fileinto("seen-add"), Fixture.fileinto("seen-delete")), r.actions());
    }

    @Test
    void valuesCannotInjectFields() {
        Result r = run("addheader \"X-A\" \"a\r\nBcc: victim@example.com\";");
        assertEquals(1, r.headers().prepended().size());
        assertFalse(r.headers().prefix().get().contains("\r\nBcc"));
        Fixture.assertCompileError("require \"editheader\"; addheader \"Bad Name\" \"x\";", "bad header field name");
        Result bad = f.run("require [\"editheader\", \"variables\"]; set \"n\" \"a:b\"; addheader \"${n}\" \"x\";");
        assertTrue(bad.runtimeError().isPresent());
    }

    @Test
    void valueLengthIsLimited() {
        Result r = f.run("require \"editheader\"; addheader \"X-Big\" \"" + "x".repeat(HeaderEdits.MAX_VALUE + 1) + "\";");
        assertEquals("addheader value longer than 2048 bytes", r.runtimeError().get());
        StringBuilder many = new StringBuilder("require \"editheader\";");
        for (int i = 0; i < 100; i++) many.append("addheader \"X-N\" \"").append(i).append("\";");
        assertTrue(f.run(many.toString()).runtimeError().get().contains("header edits"));
    }

    @Test
    void subjectCanBeReplaced() {
        Result r = run("deleteheader \"Subject\"; addheader \"Subject\" \"[list] new\";");
        assertEquals(1, r.headers().fields().stream().filter(h -> h.name().equals("Subject")).count());
        assertEquals("[list] new", r.headers().fields().get(0).unfolded());
    }

    @Test
    void longValuesFold() {
        String v = "word ".repeat(40).strip();
        Result r = run("addheader \"X-Long\" \"" + v + "\";");
        for (String line : r.headers().prefix().get().split("\r\n")) assertTrue(line.length() <= 78, line);
    }

    /**
     * RFC 5293 §7: each action that stores or sends uses the header as it is when the action runs (Pigeonhole's
     * alternating.svtest: a redirect before a deleteheader keeps the field, a fileinto after it does not); the
     * implicit keep at the end uses the final state; a duplicate fileinto keeps the first one's state.
     */
    @Test
    void eachActionGetsTheHeaderAsItWasWhenItRan() {
        Result r = run("""
                addheader "X-Some" "content";
                redirect "frop@example.com";
                fileinto "A";
                deleteheader "X-Some";
                fileinto "B";
                fileinto "A";
                keep;
                """);
        assertEquals(4, r.actions().size());
        assertEquals(r.actions().size(), r.states().size());
        assertTrue(has(r.state(0), "X-Some"));
        assertTrue(has(r.state(1), "X-Some"), "A's first fileinto stores, before the delete");
        assertFalse(has(r.state(2), "X-Some"));
        assertFalse(has(r.state(3), "X-Some"));
        assertEquals(r.state(0), r.state(1));
        assertTrue(r.state(0) == r.state(1), "no edit between them: one state object");
        assertTrue(r.state(2) == r.state(3));
        assertTrue(r.state(2) == r.headers());
    }

    private static boolean has(Result.Headers h, String name) {
        return h.fields().stream().anyMatch(f -> f.name().equalsIgnoreCase(name));
    }
}
