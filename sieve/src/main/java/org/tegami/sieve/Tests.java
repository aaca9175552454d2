package org.tegami.sieve;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/** Evaluation of every test (RFC 5228 §5 and the extensions' tests). */
final class Tests {
    private static final Pattern TAG = Pattern.compile("<[^<>]{0,2000}>");
    private static final Duration DUPLICATE_DEFAULT = Duration.ofDays(7);
    private static final Duration DUPLICATE_MAX = Duration.ofDays(90);

    private final Interpreter in;
    private SieveMessage.Body body;

    Tests(Interpreter in) {
        this.in = in;
    }

    boolean eval(Call t, Variables vars) {
        in.budget.charge(1);
        return switch (t.name()) {
            case "true" -> true;
            case "false" -> false;
            case "not" -> !eval(t.tests().get(0), vars);
            case "allof" -> {
                for (Call x : t.tests()) if (!eval(x, vars)) yield false;
                yield true;
            }
            case "anyof" -> {
                for (Call x : t.tests()) if (eval(x, vars)) yield true;
                yield false;
            }
            case "exists" -> {
                for (String name : t.list(0)) {
                    String n = vars.expand(name);
                    in.budget.charge(in.headers.current().size());
                    if (in.headers.current().stream().noneMatch(f -> f.name().equalsIgnoreCase(n))) yield false;
                }
                yield true;
            }
            case "size" -> t.has("over") ? in.message.size() > t.number(0) : in.message.size() < t.number(0);
            case "header" -> match(t, vars, fieldValues(t, vars, expand(t.list(0), vars), false), t.list(1));
            case "address" -> match(t, vars, addressValues(t, vars), t.list(1));
            case "envelope" -> match(t, vars, envelopeValues(t, vars), t.list(1));
            case "body" -> match(t, vars, bodyValues(t, vars), t.list(0));
            case "string" -> {
                List<String> values = new ArrayList<>();
                for (String s : t.list(0)) {
                    String v = vars.expand(s);
                    // RFC 5229 §5: empty strings are not counted by :count
                    if (!(t.has("count") && v.isEmpty())) values.add(v);
                }
                yield match(t, vars, values, t.list(1));
            }
            case "hasflag" -> {
                List<String> flags = t.pos().get(0) == null ? in.internalFlags() : new ArrayList<>();
                if (t.pos().get(0) != null) for (String v : t.list(0)) flags = Interpreter.union(flags, Interpreter.split(vars.get(v)));
                yield match(t, vars, flags, t.list(1));
            }
            case "date" -> match(t, vars, dateValues(t, vars), t.list(2));
            case "currentdate" -> {
                ZonedDateTime now = in.context.now();
                if (t.has("zone")) now = now.withZoneSameInstant(zone(vars.expand(t.tagString("zone"))));
                yield match(t, vars, List.of(DateParts.part(now, vars.expand(t.string(0)))), t.list(1));
            }
            case "mailboxexists" -> {
                for (String m : t.list(0)) if (!in.context.mailboxExists(vars.expand(m))) yield false;
                yield true;
            }
            case "duplicate" -> duplicate(t, vars);
            case "spamtest" -> match(t, vars, List.of(spam(t.has("percent"))), List.of(t.string(0)));
            case "virustest" -> {
                OptionalInt v = in.context.virusLevel();
                yield match(t, vars, List.of(Integer.toString(v.isPresent() ? Math.max(1, Math.min(5, v.getAsInt())) : 0)),
                        List.of(t.string(0)));
            }
            case "environment" -> {
                String item = vars.expand(t.string(0)).toLowerCase(Locale.ROOT);
                yield match(t, vars, in.context.environment(item).map(List::of).orElse(List.of()), t.list(1));
            }
            case "ihave" -> Sieve.supports(t.list(0));
            default -> throw new SieveRuntimeException("unknown test " + t.name());
        };
    }

    private boolean match(Call t, Variables vars, List<String> values, List<String> rawKeys) {
        List<String> keys = new ArrayList<>(rawKeys.size());
        for (String k : rawKeys) keys.add(vars.expand(k));
        Comparator cmp = new Comparator(t.tagString("comparator"), in.budget);
        if (t.has("count")) {
            // RFC 5231 §4.2: the number of values, compared with the comparator's ordering
            String n = Integer.toString(values.size());
            for (String k : keys) if (Comparator.relation(t.tagString("count"), cmp.compare(n, k))) return true;
            return false;
        }
        for (String v : values) if (matchOne(t, cmp, v, keys, vars)) return true;
        return false;
    }

    /** Whether one value matches one of the keys with the call's match type; :matches sets match variables. */
    boolean matchOne(Call t, Comparator cmp, String value, List<String> keys, Variables vars) {
        for (String k : keys) {
            if (t.has("value")) {
                if (Comparator.relation(t.tagString("value"), cmp.compare(value, k))) return true;
            } else if (t.has("matches")) {
                List<String> groups = cmp.matches(value, k);
                if (groups != null) {
                    if (vars != null) {
                        // RFC 5229 §3.2: ${0} is the whole value, ${1}.. the wildcards
                        List<String> m = new ArrayList<>(groups.size() + 1);
                        m.add(value);
                        m.addAll(groups);
                        vars.setMatch(List.copyOf(m.subList(0, Math.min(m.size(), 10))));
                    }
                    return true;
                }
            } else if (t.has("contains")) {
                if (cmp.contains(value, k)) return true;
            } else if (cmp.is(value, k)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> expand(List<String> raw, Variables vars) {
        List<String> out = new ArrayList<>(raw.size());
        for (String s : raw) out.add(vars.expand(s));
        return out;
    }

    /** The fields with these (expanded) names, in message order per name, narrowed by :index. */
    private List<HeaderField> fields(Call t, Variables vars, List<String> names) {
        List<HeaderField> out = new ArrayList<>();
        for (String raw : names) {
            String name = raw;
            List<HeaderField> these = new ArrayList<>();
            for (HeaderField f : in.headers.current()) if (f.name().equalsIgnoreCase(name)) these.add(f);
            in.budget.charge(in.headers.current().size());
            if (t.has("index")) {
                // RFC 5260 §6: :index N picks the Nth occurrence, counted from the end with :last
                long i = t.tagNumber("index", 1);
                if (i > these.size()) continue;
                these = List.of(these.get(t.has("last") ? these.size() - (int) i : (int) i - 1));
            }
            out.addAll(these);
        }
        return out;
    }

    private List<String> fieldValues(Call t, Variables vars, List<String> names, boolean raw) {
        List<String> out = new ArrayList<>();
        for (HeaderField f : fields(t, vars, names)) {
            String v = raw ? f.unfolded() : f.decoded();
            in.budget.charge(v.length());
            out.add(v);
        }
        return out;
    }

    private List<String> addressValues(Call t, Variables vars) {
        List<String> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String n : t.list(0)) {
            String name = vars.expand(n);
            // RFC 5228 §5.1 (checked at compile time unless the name came from a variable)
            if (Addresses.FIELDS.contains(name.toLowerCase(Locale.ROOT))) names.add(name);
        }
        for (String v : fieldValues(t, vars, names, true)) {
            for (String a : Addresses.parse(v)) {
                String p = Addresses.part(a, t);
                if (p != null) out.add(p);
            }
        }
        return out;
    }

    private List<String> envelopeValues(Call t, Variables vars) {
        List<String> out = new ArrayList<>();
        for (String raw : t.list(0)) {
            String part = vars.expand(raw).toLowerCase(Locale.ROOT);
            in.message.envelope(part).ifPresent(a -> {
                String p = Addresses.part(a, t);
                // RFC 5228 §5.4: the null reverse-path matches only as "" with :all
                if (p != null && (!a.isEmpty() || !(t.has("localpart") || t.has("domain") || t.has("user") || t.has("detail")))) out.add(p);
            });
        }
        return out;
    }

    private List<String> bodyValues(Call t, Variables vars) {
        if (body == null) {
            body = in.message.body();
            in.budget.charge(body.raw().length());
        }
        List<String> out = new ArrayList<>();
        if (t.has("raw")) {
            out.add(body.raw());
        } else if (t.has("content")) {
            List<String> types = new ArrayList<>();
            for (String s : t.tagList("content")) types.add(vars.expand(s).toLowerCase(Locale.ROOT));
            for (SieveMessage.Part p : body.parts()) {
                if (p.text() == null) continue;
                for (String type : types) {
                    // RFC 5173 §5.2: "" any type, "text" a top-level type, "text/plain" exactly
                    boolean hit = type.isEmpty() || (type.contains("/") ? p.contentType().equals(type)
                            : p.contentType().startsWith(type + "/"));
                    if (hit) {
                        out.add(p.text());
                        break;
                    }
                }
            }
        } else {
            for (SieveMessage.Part p : body.parts()) {
                if (p.text() == null || !p.contentType().startsWith("text/")) continue;
                // RFC 5173 §5.3: :text is the text content; HTML loses its markup
                out.add(p.contentType().equals("text/html") ? TAG.matcher(p.text()).replaceAll(" ") : p.text());
            }
        }
        return out;
    }

    private static ZoneId zone(String z) {
        ZoneOffset o = DateParts.zone(z);
        if (o == null) throw new SieveRuntimeException("bad zone \"" + z + "\"");
        return o;
    }

    private List<String> dateValues(Call t, Variables vars) {
        List<String> out = new ArrayList<>();
        String part = vars.expand(t.string(1));
        if (!DateParts.NAMES.contains(part.toLowerCase(Locale.ROOT))) throw new SieveRuntimeException("unknown date part \"" + part + "\"");
        for (String v : fieldValues(t, vars, List.of(vars.expand(t.string(0))), false)) {
            ZonedDateTime d = DateParts.parse(v);
            if (d == null) continue; // RFC 5260 §4: a field that is no date does not match
            if (t.has("zone")) d = d.withZoneSameInstant(zone(vars.expand(t.tagString("zone"))));
            else if (!t.has("originalzone")) d = d.withZoneSameInstant(in.context.now().getZone());
            out.add(DateParts.part(d, part));
        }
        return out;
    }

    private boolean duplicate(Call t, Variables vars) {
        String handle = t.has("handle") ? vars.expand(t.tagString("handle")) : "";
        String id;
        if (t.has("uniqueid")) {
            id = vars.expand(t.tagString("uniqueid"));
        } else {
            // RFC 7352 §3.1: the Message-ID by default, or the named header's first occurrence
            String name = t.has("header") ? vars.expand(t.tagString("header")) : "Message-ID";
            List<String> v = fieldValues(new Call("header", java.util.Map.of(), List.of(), List.of(), null, false, t.line(), t.column()),
                    vars, List.of(name), true);
            if (v.isEmpty() || v.get(0).isEmpty()) return false;
            id = v.get(0);
        }
        Duration expiry = t.has("seconds") ? Duration.ofSeconds(Math.min(t.tagNumber("seconds", 0), DUPLICATE_MAX.toSeconds()))
                : DUPLICATE_DEFAULT;
        boolean seen = in.context.duplicateSeen(handle, id);
        in.mark(handle, id, expiry, t.has("last"));
        return seen;
    }

    private String spam(boolean percent) {
        OptionalDouble s = in.context.spamScore();
        if (s.isEmpty()) return "0";
        double f = Math.max(0, Math.min(1, s.getAsDouble()));
        // RFC 5235 §3.2: 1 is "definitely not spam", 10 "definitely spam"; §3.3 :percent 0..100
        if (percent) return Long.toString(Math.round(f * 100));
        return Long.toString(1 + Math.round(f * 9));
    }
}
