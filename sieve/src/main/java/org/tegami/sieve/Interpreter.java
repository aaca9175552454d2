package org.tegami.sieve;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs a compiled script against one message (RFC 5228 §2.10): executes commands, collects actions with their
 * interactions, and turns every runtime error or exceeded limit into a {@link Result} with the implicit keep.
 */
final class Interpreter {
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super(null, null, false, false);
        }
    }

    private static final Stop STOP = new Stop();
    private static final Stop RETURN = new Stop();
    private static final Duration MAX_PERIOD = Duration.ofDays(365);

    final SieveLimits limits;
    final SieveMessage message;
    final SieveContext context;
    final Budget budget;
    final HeaderEdits headers;
    private final Variables.Shared shared;
    private final Tests tests;
    private final List<Action> actions = new ArrayList<>();
    /** The header section as each of {@link #actions} saw it when it ran (RFC 5293 §7), index for index. */
    private final List<Result.Headers> states = new ArrayList<>();
    private final List<Result.DuplicateMark> marks = new ArrayList<>();
    private final Set<String> active = new HashSet<>();
    private final Set<String> included = new HashSet<>();
    private final Map<String, SieveScript> compiled = new HashMap<>();
    private boolean cancelKeep;
    private boolean discarded;
    private boolean rejected;
    private boolean vacationDone;
    private int executedActions;
    private int redirects;
    private int depth;
    /** RFC 5232 §3: the internal variable holding the flags of keep and fileinto without :flags. */
    private List<String> internalFlags = List.of();

    Interpreter(SieveLimits limits, SieveMessage message, SieveContext context) {
        this.limits = limits;
        this.message = message;
        this.context = context;
        this.budget = new Budget(limits.cpuBudget());
        this.headers = new HeaderEdits(message.headers(), limits);
        this.shared = new Variables.Shared(limits, budget);
        this.tests = new Tests(this);
    }

    Result run(SieveScript script) {
        List<HeaderField> original = message.headers();
        try {
            runScript(script, new Variables(shared));
        } catch (Stop s) {
            // stop ends everything (RFC 5228 §3.3); a return in the main script likewise (RFC 6609 §3.4)
        } catch (SieveRuntimeException e) {
            return failure(original, e.getMessage());
        } catch (StackOverflowError | OutOfMemoryError e) {
            return failure(original, "script too complex");
        } catch (RuntimeException e) {
            return failure(original, "internal error: " + e.getClass().getSimpleName());
        }
        List<Action> out = new ArrayList<>(actions);
        List<Result.Headers> as = new ArrayList<>(states);
        boolean stored = out.stream().anyMatch(a -> !(a instanceof Action.Vacation));
        if (discarded && !stored) {
            out.add(new Action.Discard());
            as.add(headers.result());
        }
        return new Result(List.copyOf(out), !cancelKeep, internalFlags, headers.result(), List.copyOf(marks),
                Optional.empty(), List.copyOf(as));
    }

    private static Result failure(List<HeaderField> original, String message) {
        String why = SieveException.oneLine(message);
        return new Result(List.of(), true, List.of(), new Result.Headers(List.of(), List.copyOf(original), true), List.of(),
                Optional.of(why), List.of());
    }

    private void runScript(SieveScript script, Variables vars) {
        try {
            block(script.commands(), vars);
        } catch (Stop s) {
            if (s != RETURN) throw s;
        }
    }

    void block(List<Call> block, Variables vars) {
        boolean taken = false;
        for (Call c : block) {
            budget.charge(1);
            switch (c.name()) {
                case "if" -> {
                    taken = !c.skip() && tests.eval(c.tests().get(0), vars);
                    if (taken) block(c.block(), vars);
                }
                case "elsif" -> {
                    if (!taken) {
                        taken = !c.skip() && tests.eval(c.tests().get(0), vars);
                        if (taken) block(c.block(), vars);
                    }
                }
                case "else" -> {
                    if (!taken) block(c.block(), vars);
                }
                default -> command(c, vars);
            }
        }
    }

    private void command(Call c, Variables vars) {
        switch (c.name()) {
            case "require" -> { }
            case "stop" -> throw STOP;
            case "return" -> throw RETURN;
            case "keep" -> {
                incompatibleWithReject("keep");
                fileInto("INBOX", flags(c, vars), false, false);
            }
            case "discard" -> {
                discarded = true;
                cancelKeep = true;
            }
            case "fileinto" -> {
                incompatibleWithReject("fileinto");
                String mailbox = vars.expand(c.string(0));
                if (mailbox.isEmpty() || mailbox.length() > 1000 || mailbox.chars().anyMatch(ch -> ch < 0x20)) {
                    throw new SieveRuntimeException("bad mailbox name at " + c.where());
                }
                fileInto(mailbox, flags(c, vars), c.has("create"), c.has("copy"));
            }
            case "redirect" -> redirect(c, vars);
            case "reject", "ereject" -> {
                // RFC 5429 §2.1: at most one reject, and not together with keep, fileinto, redirect or vacation
                if (rejected) throw new SieveRuntimeException("more than one reject");
                if (vacationDone || actions.stream().anyMatch(a -> !(a instanceof Action.Discard))) {
                    throw new SieveRuntimeException(c.name() + " cannot be combined with other actions (" + c.where() + ")");
                }
                String reason = vars.expand(c.string(0));
                count();
                rejected = true;
                cancelKeep = true;
                act(c.name().equals("reject") ? new Action.Reject(reason) : new Action.Ereject(reason));
            }
            case "vacation" -> vacation(c, vars);
            case "set" -> {
                String value = vars.expand(c.string(1));
                vars.set(c.string(0), Variables.modify(value, c));
            }
            case "setflag", "addflag", "removeflag" -> editFlags(c, vars);
            case "addheader" -> headers.add(vars.expand(c.string(0)), vars.expand(c.string(1)), c.has("last"));
            case "deleteheader" -> deleteHeader(c, vars);
            case "include" -> include(c, vars);
            case "global" -> c.list(0).forEach(vars::declareGlobal);
            case "error" -> throw new SieveRuntimeException("error: " + vars.expand(c.string(0)));
            default -> throw new SieveRuntimeException("unknown command " + c.name());
        }
    }

    /**
     * Adds an action with the header section as it is now: RFC 5293 §7, actions that store or send the message do so
     * with the current set of header fields, so a fileinto before a deleteheader stores the field. A duplicate merged
     * into an earlier action (RFC 5228 §2.10.3) keeps the earlier one's state: that one stores.
     */
    private void act(Action a) {
        actions.add(a);
        states.add(headers.result());
    }

    private void count() {
        if (++executedActions > limits.actions()) throw new SieveRuntimeException("more than " + limits.actions() + " actions");
    }

    private void incompatibleWithReject(String what) {
        if (rejected) throw new SieveRuntimeException(what + " cannot follow reject (RFC 5429)");
    }

    private List<String> flags(Call c, Variables vars) {
        if (!c.has("flags")) return internalFlags;
        List<String> out = new ArrayList<>();
        for (String s : c.tagList("flags")) out = union(out, split(vars.expand(s)));
        return out;
    }

    /**
     * RFC 5232 §3: a flag list is space-separated; flags compare case-insensitively and appear once. Strings that
     * cannot be IMAP flags (RFC 9051 §9 flag-keyword / flag-extension syntax) are dropped, so the store never sees them.
     */
    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        for (String f : s.split("[ \t\r\n]+")) if (validFlag(f)) out = union(out, List.of(f));
        return out;
    }

    static boolean validFlag(String f) {
        if (f.isEmpty() || f.length() > 100) return false;
        int start = f.charAt(0) == '\\' ? 1 : 0;
        if (start == 1 && f.length() == 1) return false;
        for (int i = start; i < f.length(); i++) {
            char c = f.charAt(i);
            // RFC 9051 §9: ATOM-CHAR excludes SP, CTL, "(", ")", "{", "%", "*", DQUOTE, "\\" and "]"
            if (c <= ' ' || c >= 0x7f || "(){%*\"\\]".indexOf(c) >= 0) return false;
        }
        return true;
    }

    static List<String> union(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        Set<String> seen = new HashSet<>();
        for (String f : a) seen.add(f.toLowerCase(Locale.ROOT));
        for (String f : b) if (seen.add(f.toLowerCase(Locale.ROOT))) out.add(f);
        return List.copyOf(out);
    }

    private void fileInto(String mailbox, List<String> flags, boolean create, boolean copy) {
        count();
        if (!copy) cancelKeep = true; // RFC 3894 §3: :copy keeps the implicit keep
        boolean inbox = mailbox.equalsIgnoreCase("INBOX");
        for (int i = 0; i < actions.size(); i++) {
            // RFC 5228 §2.10.3: storing into one mailbox twice stores once
            Action a = actions.get(i);
            if (a instanceof Action.Keep k && inbox) {
                actions.set(i, new Action.Keep(union(k.flags(), flags)));
                return;
            }
            if (a instanceof Action.FileInto f && (inbox ? f.mailbox().equalsIgnoreCase("INBOX") : f.mailbox().equals(mailbox))) {
                actions.set(i, new Action.FileInto(f.mailbox(), union(f.flags(), flags), f.create() || create, f.copy() && copy));
                return;
            }
        }
        act(inbox && !create ? new Action.Keep(flags) : new Action.FileInto(mailbox, flags, create, copy));
    }

    private void redirect(Call c, Variables vars) {
        incompatibleWithReject("redirect");
        String address = vars.expand(c.string(0)).strip();
        if (address.startsWith("<") && address.endsWith(">")) address = address.substring(1, address.length() - 1);
        if (!Addresses.validMailbox(address)) throw new SieveRuntimeException("bad redirect address at " + c.where());
        count();
        boolean copy = c.has("copy");
        if (!copy) cancelKeep = true;
        for (int i = 0; i < actions.size(); i++) {
            if (actions.get(i) instanceof Action.Redirect r && r.address().equalsIgnoreCase(address)) {
                if (r.copy() && !copy) actions.set(i, new Action.Redirect(r.address(), false));
                return;
            }
        }
        if (++redirects > limits.redirects()) throw new SieveRuntimeException("more than " + limits.redirects() + " redirects");
        act(new Action.Redirect(address, copy));
    }

    private void vacation(Call c, Variables vars) {
        incompatibleWithReject("vacation");
        if (vacationDone) throw new SieveRuntimeException("more than one vacation");
        vacationDone = true;
        count();
        String reason = vars.expand(c.string(0));
        Optional<String> subject = Optional.ofNullable(c.tagString("subject")).map(vars::expand);
        Optional<String> from = Optional.ofNullable(c.tagString("from")).map(vars::expand);
        List<String> addresses = new ArrayList<>();
        if (c.has("addresses")) for (String a : c.tagList("addresses")) addresses.add(vars.expand(a));
        Duration period;
        if (c.has("seconds")) {
            period = Duration.ofSeconds(Math.min(c.tagNumber("seconds", 0), MAX_PERIOD.toSeconds()));
        } else {
            // RFC 5230 §4.1: 7 days by default, at least 1
            period = Duration.ofDays(Math.max(1, Math.min(c.tagNumber("days", 7), MAX_PERIOD.toDays())));
        }
        String handle = c.has("handle") ? vars.expand(c.tagString("handle"))
                : Vacations.defaultHandle(reason, subject, from, c.has("mime"));
        String sender = message.envelope("from").orElse("");
        List<String> mine = new ArrayList<>(context.userAddresses());
        message.envelope("to").ifPresent(mine::add);
        mine.addAll(addresses);
        // RFC 5293 §7: vacation examines the header as the edits so far left it
        if (Vacations.whyNot(headers.current(), sender, mine).isPresent()) return;
        act(new Action.Vacation(handle, sender, period, subject, from, List.copyOf(addresses), c.has("mime"), reason));
    }

    private void editFlags(Call c, Variables vars) {
        List<String> given = new ArrayList<>();
        for (String s : c.list(1)) given = union(given, split(vars.expand(s)));
        List<String> names = c.pos().get(0) == null ? null : c.list(0);
        String target = names == null ? null : names.get(0);
        List<String> now = target == null ? internalFlags : split(vars.get(target));
        List<String> next = switch (c.name()) {
            case "setflag" -> given;
            case "addflag" -> union(now, given);
            default -> {
                Set<String> drop = new HashSet<>();
                for (String f : given) drop.add(f.toLowerCase(Locale.ROOT));
                yield now.stream().filter(f -> !drop.contains(f.toLowerCase(Locale.ROOT))).toList();
            }
        };
        budget.charge(next.size());
        if (target == null) internalFlags = List.copyOf(next);
        else vars.set(target, String.join(" ", next));
    }

    private void deleteHeader(Call c, Variables vars) {
        String name = vars.expand(c.string(0));
        List<String> patterns = new ArrayList<>();
        if (c.pos().size() > 1) for (String p : c.list(1)) patterns.add(vars.expand(p));
        Comparator cmp = new Comparator(c.tagString("comparator"), budget);
        headers.delete(name, (int) Math.min(Integer.MAX_VALUE, c.tagNumber("index", 0)), c.has("last"),
                f -> patterns.isEmpty() || tests.matchOne(c, cmp, f.decoded(), patterns, null));
    }

    private void include(Call c, Variables vars) {
        SieveContext.Location loc = c.has("global") ? SieveContext.Location.GLOBAL : SieveContext.Location.PERSONAL;
        String name = vars.expand(c.string(0));
        // RFC 6609 §3.2: a script name, not a path (checked at compile time for constant names)
        if (name.isEmpty() || name.contains("/") || name.length() > 255 || name.chars().anyMatch(ch -> ch < 0x20)) {
            throw new SieveRuntimeException("bad script name at " + c.where());
        }
        String key = loc + ":" + name;
        // RFC 6609 §3.2: :once includes a script at most once per evaluation; a script including itself is an error
        if (c.has("once") && included.contains(key)) return;
        if (active.contains(key)) throw new SieveRuntimeException("include loop: " + name);
        if (depth + 1 > limits.includeDepth()) throw new SieveRuntimeException("includes nested deeper than " + limits.includeDepth());
        SieveScript script = compiled.get(key);
        if (script == null) {
            if (compiled.size() >= limits.includes()) throw new SieveRuntimeException("more than " + limits.includes() + " included scripts");
            Optional<String> source = context.script(loc, name);
            if (source.isEmpty()) {
                if (c.has("optional")) return;
                throw new SieveRuntimeException("included script not found: " + name);
            }
            budget.charge(source.get().length());
            try {
                script = Sieve.compile(source.get(), limits);
            } catch (SieveException e) {
                throw new SieveRuntimeException("included script " + name + " does not compile: " + e.getMessage());
            }
            compiled.put(key, script);
        }
        included.add(key);
        active.add(key);
        depth++;
        try {
            runScript(script, new Variables(shared));
        } finally {
            depth--;
            active.remove(key);
        }
    }

    void mark(String handle, String id, Duration expiry, boolean last) {
        Result.DuplicateMark m = new Result.DuplicateMark(handle, id, expiry, last);
        if (!marks.contains(m)) marks.add(m);
    }

    List<String> internalFlags() {
        return internalFlags;
    }
}
