package org.tegami.sieve;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The signature of every command and test: its tags, positional arguments, tests, block and extension. */
final class Specs {
    enum T { FLAG, STR, LIST, NUM }

    /**
     * @param ext             extension names of which one must be required; empty for core
     * @param tags            accepted tags and the type of their value
     * @param tagExt          tags that need an extension of their own
     * @param pos             positional argument types
     * @param minPos          how many positionals are mandatory
     * @param leadingOptional whether missing positionals are dropped from the front (imap4flags' variable name)
     * @param tests           0 none, 1 exactly one, -1 a test list
     * @param block           whether a block follows
     */
    record Spec(String name, boolean test, Set<String> ext, Map<String, T> tags, Map<String, String> tagExt,
            List<T> pos, int minPos, boolean leadingOptional, int tests, boolean block) {}

    static final Map<String, String> MATCH_TAGS = Map.of("is", "", "contains", "", "matches", "", "count", "relational",
            "value", "relational");
    static final Map<String, String> ADDRESS_PARTS = Map.of("all", "", "localpart", "", "domain", "", "user",
            "subaddress", "detail", "subaddress");

    static final Map<String, Spec> COMMANDS = new HashMap<>();
    static final Map<String, Spec> TESTS = new HashMap<>();

    private static final class B {
        final String name;
        final boolean test;
        Set<String> ext = Set.of();
        final Map<String, T> tags = new LinkedHashMap<>();
        final Map<String, String> tagExt = new HashMap<>();
        List<T> pos = List.of();
        int minPos = -1;
        boolean leadingOptional;
        int tests;
        boolean block;

        B(String name, boolean test) {
            this.name = name;
            this.test = test;
        }

        B ext(String... e) {
            ext = Set.of(e);
            return this;
        }

        B tag(String t, T type) {
            tags.put(t, type);
            return this;
        }

        B tag(String t, T type, String needs) {
            tags.put(t, type);
            tagExt.put(t, needs);
            return this;
        }

        B pos(T... p) {
            pos = List.of(p);
            return this;
        }

        B min(int m, boolean leading) {
            minPos = m;
            leadingOptional = leading;
            return this;
        }

        B tests(int n) {
            tests = n;
            return this;
        }

        B block() {
            block = true;
            return this;
        }

        B match() {
            tag("comparator", T.STR);
            MATCH_TAGS.forEach((t, e) -> {
                tags.put(t, t.equals("count") || t.equals("value") ? T.STR : T.FLAG);
                if (!e.isEmpty()) tagExt.put(t, e);
            });
            tags.put("regex", T.FLAG);
            return this;
        }

        B address() {
            ADDRESS_PARTS.forEach((t, e) -> {
                tags.put(t, T.FLAG);
                if (!e.isEmpty()) tagExt.put(t, e);
            });
            return this;
        }

        B index() {
            tag("index", T.NUM, "index");
            return tag("last", T.FLAG, "index");
        }

        void add() {
            Spec s = new Spec(name, test, ext, Map.copyOf(tags), Map.copyOf(tagExt), pos,
                    minPos < 0 ? pos.size() : minPos, leadingOptional, tests, block);
            (test ? TESTS : COMMANDS).put(name, s);
        }
    }

    private static B cmd(String n) {
        return new B(n, false);
    }

    private static B test(String n) {
        return new B(n, true);
    }

    static {
        // RFC 5228 §3 control commands
        cmd("require").pos(T.LIST).add();
        cmd("if").tests(1).block().add();
        cmd("elsif").tests(1).block().add();
        cmd("else").block().add();
        cmd("stop").add();
        // RFC 5228 §4 actions, RFC 3894 :copy, RFC 5490 :create, RFC 5232 :flags
        cmd("keep").tag("flags", T.LIST, "imap4flags").add();
        cmd("discard").add();
        cmd("fileinto").ext("fileinto").tag("copy", T.FLAG, "copy").tag("create", T.FLAG, "mailbox")
                .tag("flags", T.LIST, "imap4flags").pos(T.STR).add();
        cmd("redirect").tag("copy", T.FLAG, "copy").pos(T.STR).add();
        cmd("reject").ext("reject").pos(T.STR).add();
        cmd("ereject").ext("ereject").pos(T.STR).add();
        // RFC 5230, RFC 6131
        cmd("vacation").ext("vacation").tag("days", T.NUM).tag("seconds", T.NUM, "vacation-seconds")
                .tag("subject", T.STR).tag("from", T.STR).tag("addresses", T.LIST).tag("mime", T.FLAG)
                .tag("handle", T.STR).pos(T.STR).add();
        // RFC 5229
        cmd("set").ext("variables").tag("lower", T.FLAG).tag("upper", T.FLAG).tag("lowerfirst", T.FLAG)
                .tag("upperfirst", T.FLAG).tag("quotewildcard", T.FLAG)
                .tag("length", T.FLAG).pos(T.STR, T.STR).add();
        // RFC 5232
        for (String f : List.of("setflag", "addflag", "removeflag")) {
            cmd(f).ext("imap4flags").pos(T.STR, T.LIST).min(1, true).add();
        }
        // RFC 5293
        cmd("addheader").ext("editheader").tag("last", T.FLAG).pos(T.STR, T.STR).add();
        cmd("deleteheader").ext("editheader").match().tag("index", T.NUM).tag("last", T.FLAG).pos(T.STR, T.LIST)
                .min(1, false).add();
        // RFC 6609
        cmd("include").ext("include").tag("personal", T.FLAG).tag("global", T.FLAG).tag("once", T.FLAG)
                .tag("optional", T.FLAG).pos(T.STR).add();
        cmd("return").ext("include").add();
        cmd("global").ext("include").pos(T.LIST).add();
        // RFC 5463 §5
        cmd("error").ext("ihave").pos(T.STR).add();

        // RFC 5228 §5 tests
        test("address").match().address().index().pos(T.LIST, T.LIST).add();
        test("envelope").ext("envelope").match().address().pos(T.LIST, T.LIST).add();
        test("header").match().index().pos(T.LIST, T.LIST).add();
        test("exists").pos(T.LIST).add();
        test("size").tag("over", T.FLAG).tag("under", T.FLAG).pos(T.NUM).add();
        test("allof").tests(-1).add();
        test("anyof").tests(-1).add();
        test("not").tests(1).add();
        test("true").add();
        test("false").add();
        // RFC 5173
        test("body").ext("body").match().tag("raw", T.FLAG).tag("content", T.LIST).tag("text", T.FLAG)
                .pos(T.LIST).add();
        // RFC 5229 §5
        test("string").ext("variables").match().pos(T.LIST, T.LIST).add();
        // RFC 5232 §4
        test("hasflag").ext("imap4flags").match().pos(T.LIST, T.LIST).min(1, true).add();
        // RFC 5260
        test("date").ext("date").match().index().tag("zone", T.STR).tag("originalzone", T.FLAG)
                .pos(T.STR, T.STR, T.LIST).add();
        test("currentdate").ext("date").match().tag("zone", T.STR).pos(T.STR, T.LIST).add();
        // RFC 5490
        test("mailboxexists").ext("mailbox").pos(T.LIST).add();
        // RFC 7352
        test("duplicate").ext("duplicate").tag("handle", T.STR).tag("header", T.STR).tag("uniqueid", T.STR)
                .tag("seconds", T.NUM).tag("last", T.FLAG).add();
        // RFC 5235
        test("spamtest").ext("spamtest", "spamtestplus").match().tag("percent", T.FLAG, "spamtestplus").pos(T.STR).add();
        test("virustest").ext("virustest").match().pos(T.STR).add();
        // RFC 5183
        test("environment").ext("environment").match().pos(T.STR, T.LIST).add();
        // RFC 5463
        test("ihave").ext("ihave").pos(T.LIST).add();
    }

    private Specs() {}
}
