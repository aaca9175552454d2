package org.tegami.sieve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;

/** A message, a context with everything settable, and helpers to compile and run scripts in tests. */
final class Fixture implements SieveContext {
    static final String MESSAGE = """
            Received: from mx.example.net by mail.example.com; Tue, 3 Jun 2008 09:00:00 +0000\r
            Date: Tue, 3 Jun 2008 11:05:30 +0200\r
            From: "Coyote, Wile E." <coyote@desert.example.org>\r
            To: Road Runner <roadrunner+acme@ACME.Example.COM>, bugs@example.com\r
            Cc: undisclosed-recipients:;\r
            Subject: [acme-users] [fwd] version 1.0 is out\r
            Message-ID: <1234@desert.example.org>\r
            List-ID: ACME users <acme-users@lists.example.org>\r
            X-Caffeine: C8H10N4O2\r
            X-Number: 42\r
            X-Number: 7\r
            \r
            Hello, this is the body.\r
            It mentions frobnitz once.\r
            """;

    final Map<String, String> personal = new HashMap<>();
    final Map<String, String> global = new HashMap<>();
    final Set<String> seen = new HashSet<>();
    final List<String> duplicateChecks = new ArrayList<>();
    final Set<String> mailboxes = new HashSet<>(Set.of("INBOX", "Lists"));
    OptionalDouble spam = OptionalDouble.empty();
    OptionalInt virus = OptionalInt.empty();
    Clock clock = Clock.fixed(Instant.parse("2008-06-03T09:05:30Z"), ZoneOffset.ofHours(2));
    List<String> user = List.of("roadrunner@acme.example.com");

    @Override
    public Optional<String> script(Location location, String name) {
        return Optional.ofNullable((location == Location.GLOBAL ? global : personal).get(name));
    }

    @Override
    public boolean duplicateSeen(String handle, String id) {
        duplicateChecks.add(handle + "|" + id);
        return seen.contains(handle + "|" + id);
    }

    @Override
    public boolean mailboxExists(String name) {
        return mailboxes.contains(name);
    }

    @Override
    public Optional<String> hostname() {
        return Optional.of("mail.example.com");
    }

    @Override
    public OptionalDouble spamScore() {
        return spam;
    }

    @Override
    public OptionalInt virusLevel() {
        return virus;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public List<String> userAddresses() {
        return user;
    }

    static RawSieveMessage message(String raw) {
        return RawSieveMessage.of(raw.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8),
                "coyote@desert.example.org", "roadrunner+acme@acme.example.com", 1024 * 1024);
    }

    Result run(String script) {
        return run(script, MESSAGE);
    }

    Result run(String script, String message) {
        return run(script, message(message));
    }

    Result run(String script, SieveMessage message) {
        try {
            return Sieve.compile(script).evaluate(message, this);
        } catch (SieveException e) {
            throw new AssertionError("does not compile: " + e.getMessage(), e);
        }
    }

    /** Runs and expects no runtime error. */
    Result ok(String script) {
        Result r = run(script);
        assertTrue(r.runtimeError().isEmpty(), () -> "runtime error: " + r.runtimeError().get());
        return r;
    }

    /** Whether the script's single {@code if} fired: the test files into "yes" when it does. */
    boolean fires(String requires, String test) {
        Result r = ok("require [\"fileinto\"" + (requires.isEmpty() ? "" : ", " + requires) + "];\nif " + test
                + " { fileinto \"yes\"; }");
        return r.actions().contains(new Action.FileInto("yes", List.of(), false, false));
    }

    static SieveException compileError(String script) {
        try {
            Sieve.compile(script);
        } catch (SieveException e) {
            return e;
        }
        return fail("compiled: " + script);
    }

    static void assertCompileError(String script, String fragment) {
        SieveException e = compileError(script);
        assertTrue(e.getMessage().contains(fragment), () -> "message was: " + e.getMessage());
    }

    static void assertActions(Result r, Action... expected) {
        assertEquals(List.of(expected), r.actions());
    }

    static Action.FileInto fileinto(String mailbox) {
        return new Action.FileInto(mailbox, List.of(), false, false);
    }
}
