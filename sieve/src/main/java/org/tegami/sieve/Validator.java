package org.tegami.sieve;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.tegami.sieve.Ast.Arg;
import org.tegami.sieve.Ast.Node;
import org.tegami.sieve.Specs.Spec;
import org.tegami.sieve.Specs.T;

/** Checks a parsed script against {@link Specs} and the {@code require}d extensions, producing {@link Call}s. */
final class Validator {
    private final Set<String> required = new HashSet<>();

    static List<Call> validate(List<Node> script) throws SieveException {
        Validator v = new Validator();
        boolean requiresDone = false;
        for (Node n : script) {
            if (n.name().equals("require")) {
                if (requiresDone) throw new SieveException(n.line(), n.column(), "require must come before other commands");
            } else {
                requiresDone = true;
            }
        }
        return v.block(script, true);
    }

    private static SieveException err(Node n, String m) {
        return new SieveException(n.line(), n.column(), m);
    }

    private static SieveException err(Arg a, String m) {
        return new SieveException(a.line(), a.column(), m);
    }

    private List<Call> block(List<Node> nodes, boolean top) throws SieveException {
        List<Call> out = new ArrayList<>(nodes.size());
        String previous = null;
        for (Node n : nodes) {
            if ((n.name().equals("elsif") || n.name().equals("else"))
                    && !("if".equals(previous) || "elsif".equals(previous))) {
                throw err(n, n.name() + " without if");
            }
            if (n.name().equals("require") && !top) throw err(n, "require must be at the top level");
            out.add(node(n, false));
            previous = n.name();
        }
        return out;
    }

    private Call node(Node n, boolean isTest) throws SieveException {
        Spec spec = (isTest ? Specs.TESTS : Specs.COMMANDS).get(n.name());
        if (spec == null) {
            if (!isTest && Specs.TESTS.containsKey(n.name())) throw err(n, "'" + n.name() + "' is a test, not a command");
            if (isTest && Specs.COMMANDS.containsKey(n.name())) throw err(n, "'" + n.name() + "' is a command, not a test");
            throw err(n, "unknown " + (isTest ? "test" : "command") + " '" + n.name() + "'");
        }
        if (!spec.ext().isEmpty() && spec.ext().stream().noneMatch(required::contains)) {
            throw err(n, "'" + n.name() + "' needs require \"" + spec.ext().iterator().next() + "\"");
        }
        Map<String, Object> tags = new LinkedHashMap<>();
        List<Object> pos = new ArrayList<>();
        List<Arg> args = n.args();
        for (int i = 0; i < args.size(); i++) {
            Arg a = args.get(i);
            if (a instanceof Ast.Tag t) {
                if (!pos.isEmpty()) throw err(a, "tag :" + t.name() + " after positional arguments");
                T type = spec.tags().get(t.name());
                if (type == null) throw err(a, "'" + n.name() + "' has no tag :" + t.name());
                if (t.name().equals("regex")) throw err(a, ":regex is not supported");
                String needs = spec.tagExt().get(t.name());
                if (needs != null && !required.contains(needs)) throw err(a, ":" + t.name() + " needs require \"" + needs + "\"");
                if (tags.containsKey(t.name())) throw err(a, "tag :" + t.name() + " given twice");
                Object value = Boolean.TRUE;
                if (type != T.FLAG) {
                    if (i + 1 >= args.size()) throw err(a, ":" + t.name() + " needs a value");
                    value = value(args.get(++i), type, ":" + t.name());
                }
                tags.put(t.name(), value);
            } else {
                pos.add(value(a, null, null));
            }
        }
        positional(n, spec, pos, args);
        if (spec.tests() == 1 && (n.tests().size() != 1 || n.testList())) throw err(n, "'" + n.name() + "' needs one test");
        if (spec.tests() == -1 && !n.testList()) throw err(n, "'" + n.name() + "' needs a test list");
        if (spec.tests() == 0 && !n.tests().isEmpty()) throw err(n, "'" + n.name() + "' takes no test");
        if (spec.block() && n.block() == null) throw err(n, "'" + n.name() + "' needs a block");
        if (!spec.block() && n.block() != null) throw err(n, "'" + n.name() + "' takes no block");
        checkTags(n, tags);
        List<Call> tests = new ArrayList<>();
        for (Node t : n.tests()) tests.add(node(t, true));

        List<Call> block = null;
        boolean skip = false;
        if (n.block() != null) {
            Set<String> before = Set.copyOf(required);
            Call test = tests.isEmpty() ? null : tests.get(0);
            if (test != null && test.name().equals("ihave")) {
                // RFC 5463 §4: inside "if ihave", the extensions are usable without require; unknown ones are not checked
                if (Sieve.supports(test.list(0))) required.addAll(test.list(0));
                else skip = true;
            }
            block = skip ? List.of() : block(n.block(), false);
            required.retainAll(before);
        }
        Call c = new Call(n.name(), tags, pos, tests, block, skip, n.line(), n.column());
        special(n, c);
        return c;
    }

    private Object value(Arg a, T type, String what) throws SieveException {
        Object v = switch (a) {
            case Ast.Num num -> num.value();
            case Ast.Strs s -> {
                if (!required.contains("encoded-character")) yield s.list() ? s.values() : s.values().get(0);
                List<String> decoded = new ArrayList<>(s.values().size());
                for (String x : s.values()) decoded.add(decodeEncoded(x, a));
                yield s.list() ? List.copyOf(decoded) : decoded.get(0);
            }
            case Ast.Tag t -> throw err(a, (what == null ? "unexpected" : what + " needs a value, not") + " tag :" + t.name());
        };
        if (type != null && !fits(v, type)) throw err(a, what + " needs " + describe(type));
        return v;
    }

    private static boolean fits(Object v, T type) {
        return switch (type) {
            case FLAG -> false;
            case NUM -> v instanceof Long;
            case STR -> v instanceof String;
            case LIST -> v instanceof String || v instanceof List;
        };
    }

    private static String describe(T t) {
        return switch (t) {
            case NUM -> "a number";
            case STR -> "a string";
            case LIST -> "a string list";
            case FLAG -> "nothing";
        };
    }

    private static void positional(Node n, Spec spec, List<Object> pos, List<Arg> args) throws SieveException {
        int count = pos.size();
        if (count < spec.minPos() || count > spec.pos().size()) {
            throw err(n, "'" + n.name() + "' needs " + (spec.minPos() == spec.pos().size() ? "" : "at least ")
                    + spec.minPos() + " positional argument" + (spec.minPos() == 1 ? "" : "s") + ", found " + count);
        }
        int offset = spec.leadingOptional() ? spec.pos().size() - count : 0;
        int firstPos = args.size() - count;
        for (int i = 0; i < count; i++) {
            T type = spec.pos().get(offset + i);
            if (!fits(pos.get(i), type)) throw err(args.get(firstPos + i), "'" + n.name() + "' needs " + describe(type) + " here");
        }
        if (offset > 0) {
            // the optional variable name of imap4flags' commands/tests is absent: keep positions stable
            for (int i = 0; i < offset; i++) pos.add(0, null);
        }
    }

    private void checkTags(Node n, Map<String, Object> tags) throws SieveException {
        exclusive(n, tags, Specs.MATCH_TAGS.keySet(), "match types");
        exclusive(n, tags, Specs.ADDRESS_PARTS.keySet(), "address parts");
        exclusive(n, tags, Set.of("over", "under"), "size tags");
        exclusive(n, tags, Set.of("days", "seconds"), ":days and :seconds");
        exclusive(n, tags, Set.of("zone", "originalzone"), ":zone and :originalzone");
        exclusive(n, tags, Set.of("header", "uniqueid"), ":header and :uniqueid");
        exclusive(n, tags, Set.of("personal", "global"), ":personal and :global");
        exclusive(n, tags, Set.of("raw", "content", "text"), "body transforms");
        exclusive(n, tags, Set.of("lower", "upper"), ":lower and :upper");
        exclusive(n, tags, Set.of("lowerfirst", "upperfirst"), ":lowerfirst and :upperfirst");
        if (tags.containsKey("last") && !tags.containsKey("index") && !n.name().equals("addheader")
                && !n.name().equals("duplicate")) {
            throw err(n, ":last needs :index");
        }
        if (tags.containsKey("index") && (Long) tags.get("index") < 1) throw err(n, ":index must be 1 or more");
        String comparator = (String) tags.get("comparator");
        if (comparator != null) {
            if (!Comparator.NAMES.contains(comparator)) throw err(n, "unknown comparator \"" + comparator + "\"");
            if (comparator.equals("i;ascii-numeric") && !required.contains("comparator-i;ascii-numeric")) {
                throw err(n, "comparator i;ascii-numeric needs require \"comparator-i;ascii-numeric\"");
            }
            // RFC 4790 §9.1.1: i;ascii-numeric has no substring operation (RFC 5228 §2.7.3)
            if (comparator.equals("i;ascii-numeric") && (tags.containsKey("contains") || tags.containsKey("matches"))) {
                throw err(n, "comparator i;ascii-numeric cannot be used with :contains or :matches");
            }
        }
        for (String rel : List.of("count", "value")) {
            String op = (String) tags.get(rel);
            // RFC 5231 §5: relational operators
            if (op != null && !Comparator.RELATIONS.contains(op.toLowerCase(Locale.ROOT))) {
                throw err(n, "bad relational operator \"" + op + "\"");
            }
        }
    }

    private static void exclusive(Node n, Map<String, Object> tags, Set<String> group, String what) throws SieveException {
        int found = 0;
        for (String t : group) if (tags.containsKey(t)) found++;
        if (found > 1) throw err(n, "only one of " + what + " may be given");
    }

    private void special(Node n, Call c) throws SieveException {
        switch (n.name()) {
            case "require" -> {
                for (String e : c.list(0)) {
                    if (!Sieve.supports(List.of(e))) throw err(n, "unsupported extension \"" + e + "\"");
                    required.add(e);
                }
                if (required.contains("global")) required.add("include");
            }
            case "size" -> {
                if (!c.has("over") && !c.has("under")) throw err(n, "size needs :over or :under");
            }
            case "set" -> {
                String name = c.string(0);
                if (!Variables.validName(name, false)) throw err(n, "bad variable name \"" + name + "\"");
                // RFC 6609 §3.5: the "global." namespace belongs to include
                if (name.contains(".") && !required.contains("include")) throw err(n, "variable namespace needs require \"include\"");
            }
            case "global" -> {
                if (!required.contains("variables")) throw err(n, "'global' needs require \"variables\"");
                for (String name : c.list(0)) {
                    if (!Variables.validName(name, false) || name.contains(".")) throw err(n, "bad variable name \"" + name + "\"");
                }
            }
            case "setflag", "addflag", "removeflag", "hasflag" -> {
                if (c.pos().get(0) != null) {
                    if (!required.contains("variables")) throw err(n, "a variable name needs require \"variables\"");
                    for (String v : c.list(0)) if (!Variables.validName(v, false)) throw err(n, "bad variable name \"" + v + "\"");
                }
            }
            case "include" -> {
                String name = c.string(0);
                // RFC 6609 §3.2: a script name, not a path
                if (!name.contains("${") && (name.isEmpty() || name.contains("/") || name.length() > 255)) {
                    throw err(n, "bad script name \"" + name + "\"");
                }
            }
            case "date", "currentdate" -> {
                String part = c.string(n.name().equals("date") ? 1 : 0);
                if (!part.contains("${") && !DateParts.NAMES.contains(part.toLowerCase(Locale.ROOT))) {
                    throw err(n, "unknown date part \"" + part + "\"");
                }
                String zone = c.tagString("zone");
                if (zone != null && !zone.contains("${") && DateParts.zone(zone) == null) {
                    throw err(n, "bad zone \"" + zone + "\"");
                }
            }
            case "addheader", "deleteheader" -> {
                String name = c.string(0);
                if (!name.contains("${") && !HeaderEdits.validName(name)) throw err(n, "bad header field name \"" + name + "\"");
            }
            case "redirect" -> {
                String a = c.string(0);
                // RFC 5228 §4.2: an address the server can forward to; checked again after variables are expanded
                if (!a.contains("${") && !Addresses.validMailbox(a.strip().replaceAll("^<(.*)>$", "$1"))) {
                    throw err(n, "bad redirect address \"" + a + "\"");
                }
            }
            case "vacation" -> {
                if (c.has("seconds") && !required.contains("vacation-seconds")) throw err(n, ":seconds needs require \"vacation-seconds\"");
            }
            case "header", "address", "exists" -> {
                for (String h : c.list(0)) {
                    if (h.contains("${")) continue;
                    if (!h.isEmpty() && !HeaderEdits.validName(h)) throw err(n, "bad header field name \"" + h + "\"");
                    // RFC 5228 §5.1: the address test only on fields that hold addresses
                    if (n.name().equals("address") && !Addresses.FIELDS.contains(h.toLowerCase(Locale.ROOT))) {
                        throw err(n, "header field \"" + h + "\" does not hold addresses");
                    }
                }
            }
            default -> { }
        }
    }

    /** RFC 5228 §2.4.2.4: {@code ${hex: 41 42}} and {@code ${unicode: 263a}}; anything malformed stays as written. */
    static String decodeEncoded(String s, Arg where) throws SieveException {
        if (!s.contains("${")) return s;
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            int start = s.indexOf("${", i);
            if (start < 0) break;
            int close = s.indexOf('}', start);
            out.append(s, i, start);
            if (close < 0) {
                i = start;
                break;
            }
            String inner = s.substring(start + 2, close);
            String decoded = decodeOne(inner, where);
            if (decoded == null) {
                out.append("${");
                i = start + 2;
            } else {
                out.append(decoded);
                i = close + 1;
            }
        }
        out.append(s, i, s.length());
        return out.toString();
    }

    private static String decodeOne(String inner, Arg where) throws SieveException {
        int colon = inner.indexOf(':');
        if (colon < 0) return null;
        String kind = inner.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!kind.equals("hex") && !kind.equals("unicode")) return null;
        String[] parts = inner.substring(colon + 1).strip().split("[ \t\r\n]+");
        if (parts.length == 1 && parts[0].isEmpty()) return "";
        for (String p : parts) {
            if (!p.matches("[0-9a-fA-F]+")) return null;
            if (kind.equals("hex") && p.length() != 2) return null;
        }
        if (kind.equals("hex")) {
            byte[] bytes = new byte[parts.length];
            for (int k = 0; k < parts.length; k++) bytes[k] = (byte) Integer.parseInt(parts[k], 16);
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw err(where, "encoded characters are not UTF-8");
            }
        }
        StringBuilder b = new StringBuilder();
        for (String p : parts) {
            String digits = p.replaceFirst("^0+(?=.)", "");
            int cp = digits.length() > 6 ? -1 : Integer.parseInt(digits, 16);
            // RFC 5228 §2.4.2.4: surrogates and values beyond U+10FFFF are errors
            if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) throw err(where, "invalid unicode character " + p);
            b.appendCodePoint(cp);
        }
        return b.toString();
    }
}
