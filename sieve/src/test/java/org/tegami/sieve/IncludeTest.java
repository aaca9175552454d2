package org.tegami.sieve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tegami.sieve.Fixture.assertActions;
import static org.tegami.sieve.Fixture.fileinto;

import org.junit.jupiter.api.Test;

/** RFC 6609 include: personal and global scripts, :once, :optional, return, global variables, loops and depth. */
class IncludeTest {
    private final Fixture f = new Fixture();

    @Test
    void includesPersonalAndGlobal() {
        f.personal.put("lists", "require \"fileinto\"; fileinto \"Lists\";");
        f.global.put("spam", "require \"fileinto\"; fileinto \"Junk\";");
        Result r = f.ok("require \"include\"; include \"lists\"; include :global \"spam\";");
        assertActions(r, fileinto("Lists"), fileinto("Junk"));
    }

    @Test
    void rfc6609Example() {
        // RFC 6609 §3.3: a global variable set in one script, tested in the included one
        f.personal.put("subject_tests", """
                require ["include", "variables", "fileinto"];
                global "test";
                if string :is "${test}" "$$" { fileinto "dollars"; }
                """);
        Result r = f.ok("""
                require ["include", "variables"];
                global "test";
                set "test" "$$";
                include "subject_tests";
                set "test" "x";
                include "subject_tests";
                """);
        assertActions(r, fileinto("dollars"));
        // "global." namespace (RFC 6609 §3.5) reaches the same variables
        f.personal.put("ns", "require [\"include\", \"variables\", \"fileinto\"]; fileinto \"${global.test}\";");
        assertActions(f.ok("require [\"include\", \"variables\"]; global \"test\"; set \"test\" \"shared\"; include \"ns\";"),
                fileinto("shared"));
    }

    @Test
    void localVariablesStayLocal() {
        f.personal.put("inner", "require [\"variables\", \"fileinto\"]; fileinto \"[${v}]\"; set \"v\" \"inner\";");
        Result r = f.ok("require [\"include\", \"variables\", \"fileinto\"]; set \"v\" \"outer\"; include \"inner\"; fileinto \"${v}\";");
        assertActions(r, fileinto("[]"), fileinto("outer"));
    }

    @Test
    void onceAndOptionalAndReturn() {
        f.personal.put("a", "require [\"fileinto\", \"include\"]; fileinto \"a\"; return; fileinto \"never\";");
        Result r = f.ok("require [\"include\", \"fileinto\"]; include :once \"a\"; include :once \"a\"; include :optional \"missing\"; fileinto \"after\";");
        assertActions(r, fileinto("a"), fileinto("after"));
        Result missing = f.run("require \"include\"; include \"missing\";");
        assertTrue(missing.runtimeError().get().contains("not found"));
        // return in the main script ends it
        assertActions(f.ok("require [\"include\", \"fileinto\"]; fileinto \"x\"; return; fileinto \"y\";"), fileinto("x"));
    }

    @Test
    void stopInIncludedScriptStopsAll() {
        f.personal.put("s", "stop;");
        assertActions(f.ok("require [\"include\", \"fileinto\"]; include \"s\"; fileinto \"never\";"));
    }

    @Test
    void loopsAreRuntimeErrors() {
        f.personal.put("a", "require \"include\"; include \"b\";");
        f.personal.put("b", "require \"include\"; include \"a\";");
        Result r = f.run("require \"include\"; include \"a\";");
        assertTrue(r.runtimeError().get().contains("include loop"), r.runtimeError().get());
        assertTrue(r.implicitKeep());
        f.personal.put("self", "require \"include\"; include \"self\";");
        assertTrue(f.run("require \"include\"; include \"self\";").runtimeError().get().contains("loop"));
    }

    @Test
    void depthIsLimited() {
        for (int i = 0; i < 10; i++) f.personal.put("s" + i, "require \"include\"; include \"s" + (i + 1) + "\";");
        f.personal.put("s10", "keep;");
        Result r = f.run("require \"include\"; include \"s0\";");
        assertTrue(r.runtimeError().get().contains("nested deeper"), r.runtimeError().get());
    }

    @Test
    void brokenIncludedScriptIsRuntimeError() {
        f.personal.put("bad", "frobnicate;");
        Result r = f.run("require \"include\"; include \"bad\";");
        assertEquals("included script bad does not compile: 1:1: unknown command 'frobnicate'", r.runtimeError().get());
        Fixture.assertCompileError("require \"include\"; include \"../etc/passwd\";", "bad script name");
        Fixture.assertCompileError("require \"variables\"; set \"global.x\" \"1\";", "needs require \"include\"");
        Result viaVariable = f.run("require [\"include\", \"variables\"]; set \"n\" \"../x\"; include \"${n}\";");
        assertEquals("bad script name at line 1", viaVariable.runtimeError().get());
    }
}
