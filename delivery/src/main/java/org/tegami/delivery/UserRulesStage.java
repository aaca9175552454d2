package org.tegami.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.tegami.delivery.spam.SpamStage;
import org.tegami.sieve.Action;
import org.tegami.sieve.HeaderField;
import org.tegami.sieve.RawSieveMessage;
import org.tegami.sieve.Result;
import org.tegami.sieve.Sieve;
import org.tegami.sieve.SieveContext;
import org.tegami.sieve.SieveException;
import org.tegami.sieve.SieveLimits;
import org.tegami.sieve.SieveMessage;
import org.tegami.sieve.SieveScript;
import org.tegami.sieve.Vacations;
import org.tegami.store.Account;
import org.tegami.store.AccountId;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.HeaderPrefix;
import org.tegami.store.Store;

/**
 * The user's own rules: Sieve (RFC 5228, module {@code sieve}) at delivery. Per recipient, the site's script that runs
 * before the user's ({@code [sieve] before}), the user's active script (uploaded over ManageSieve or with
 * {@code tegami sieve}) and the site's script after it ({@code [sieve] after}) are evaluated against the message as it
 * will be stored (with the header lines earlier stages add); their actions together decide the copies:
 * <ul>
 *   <li>{@code keep} and the implicit keep file where the stages before decided (the INBOX, or Junk when the spam
 *       filter judged it so); {@code fileinto} files into the named mailbox (created with {@code :create}, RFC 5490;
 *       a missing one without it, or an invalid name, means the INBOX: mail is never lost), with imap4flags' flags;</li>
 *   <li>{@code redirect} sends it on through the forwarder (SRS, ARC, loop checks, the hourly limit); {@code discard}
 *       stores nothing; {@code reject}/{@code ereject} refuse it in the SMTP transaction with 550 5.7.1 (RFC 5429
 *       §2.1);</li>
 *   <li>{@code vacation} queues an automatic reply from the null sender (RFC 5230 §5.1), DKIM-signed for the user's
 *       domain, at most once per sender and period (RFC 5230 §4.2);</li>
 *   <li>editheader (RFC 5293): each keep, fileinto and redirect gets the header as it was when it ran, the implicit
 *       keep the header as the scripts left it (RFC 5293 §7), and vacation answers the header as edited when it ran.
 *       A state that is only fields added at the top, each one a prefix may hold, is stored as header lines in front of
 *       the shared blob; any other (a deleteheader, {@code :last}, Subject) becomes a blob of its own
 *       ({@link EditedMessage}: the edited header, then the original body streamed), its size counted for the quota.
 *       Identical states share one blob; past {@link #MAX_REWRITTEN} different rewritten states every copy gets the last
 *       one. A remote redirect of a rewritten state sends a blob of its own without our local lines (the stages' and
 *       Return-Path), named by its queue entry. Other recipients keep the shared blob. This stage must be the last:
 *       the stages' lines are in the edited header, not in a prefix. Duplicate ids are recorded once the message is
 *       stored.</li>
 * </ul>
 * A script that fails at run time (a runtime error or a limit: CPU, actions, redirects) delivers as the implicit keep,
 * and the user gets one notice in their INBOX per script version. The once-per-period vacation log, the duplicate
 * ids and the notices given are marks in the store ({@link org.tegami.store.SieveScriptStore#mark}): a restart
 * forgets none.
 */
public final class UserRulesStage implements Stage {
    private static final Logger LOG = System.getLogger(UserRulesStage.class.getName());
    /** Flags one copy may carry; longer lists are cut. */
    static final int MAX_FLAGS = 32;
    private static final Set<String> SYSTEM_FLAGS = Set.of("\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft");

    private record Compiled(String source, Optional<SieveScript> script, String error) {}

    private final Store store;
    private final String hostname;
    private final InstantSource clock;
    private final SieveLimits limits;
    private final Optional<SieveScript> before;
    private final Optional<SieveScript> after;
    private final Map<AccountId, Compiled> compiled = new ConcurrentHashMap<>();

    /** Without any script: every message goes on as the stages before decided. */
    public UserRulesStage() {
        this.store = null;
        this.hostname = "localhost";
        this.clock = InstantSource.system();
        this.limits = SieveLimits.DEFAULTS;
        this.before = Optional.empty();
        this.after = Optional.empty();
    }

    /**
     * @param before the site's script run before each user's (its source), if any
     * @param after  the site's script run after each user's, if any
     * @throws SieveException when a site script does not compile (the message says where)
     */
    public UserRulesStage(Store store, String hostname, InstantSource clock, SieveLimits limits, Optional<String> before,
                          Optional<String> after) throws SieveException {
        this.store = store;
        this.hostname = hostname;
        this.clock = clock;
        this.limits = limits;
        this.before = before.isPresent() ? Optional.of(Sieve.compile(before.get(), limits)) : Optional.empty();
        this.after = after.isPresent() ? Optional.of(Sieve.compile(after.get(), limits)) : Optional.empty();
    }

    @Override
    public String name() {
        return store == null ? "user rules (off)" : "user rules (Sieve)";
    }

    @Override
    public Outcome apply(InboundMessage message, AccountId recipient, Outcome.Deliver sofar) {
        if (store == null) return sofar;
        Optional<Compiled> mine = userScript(recipient);
        List<SieveScript> scripts = new ArrayList<>();
        before.ifPresent(scripts::add);
        mine.flatMap(Compiled::script).ifPresent(scripts::add);
        after.ifPresent(scripts::add);
        Optional<Account> account = store.accounts().user(recipient);
        if (account.isEmpty()) return sofar;
        List<Outcome.Followup> followups = new ArrayList<>();
        if (mine.isPresent() && mine.get().script().isEmpty()) {
            // stored before a stricter compiler, or the limits changed: deliver, and tell the user once
            notice(account.get(), mine.get().source(), "does not compile: " + mine.get().error(), followups);
        }
        if (scripts.isEmpty()) return followups.isEmpty() ? sofar : sofar.withRules(new Outcome.Rules(
                List.of(new Outcome.Copy(sofar.target(), sofar.flags())), List.of(), followups));

        byte[] raw = asStored(message, sofar);
        SieveMessage view = sized(RawSieveMessage.of(raw, message.reversePath(), account.get().address().toString(),
                limits.bodyBytes()), message.size() + raw.length - Math.min(raw.length, headLength(message)));
        Context context = new Context(account.get(), SpamStage.score(message, recipient));

        // RFC 5293 §7: an action that stores or sends the message does so with the header fields as they are when it
        // runs (a fileinto before a deleteheader stores the field); the implicit keep, at the end, with the last ones
        Map<DeliveryRequest.Target, Pending> copies = new LinkedHashMap<>();
        List<Pending> redirects = new ArrayList<>();
        List<HeaderField> original = view.headers();
        List<HeaderField> header = original; // as the scripts so far left it: each script sees the one before's edits
        boolean implicitKeep = true;
        Set<String> keepFlags = new TreeSet<>();
        for (SieveScript script : scripts) {
            Result r = script.evaluate(withHeaders(view, header), context);
            if (r.failed()) {
                LOG.log(Level.INFO, "Sieve script of " + account.get().address() + " failed on blob " + message.blob()
                        + ": " + r.runtimeError().get() + "; delivered as the implicit keep");
                if (script == mine.flatMap(Compiled::script).orElse(null)) {
                    notice(account.get(), mine.get().source(), "stopped: " + r.runtimeError().get(), followups);
                }
                continue; // RFC 5228 §2.10.6: its actions are void, its implicit keep stands
            }
            implicitKeep &= r.implicitKeep();
            keepFlags.addAll(flags(r.keepFlags()));
            for (int i = 0; i < r.actions().size(); i++) {
                List<HeaderField> state = r.state(i).fields();
                switch (r.actions().get(i)) {
                    case Action.Keep k -> add(copies, sofar.target(), union(sofar.flags(), flags(k.flags())), state);
                    case Action.FileInto f -> add(copies, target(f), union(sofar.flags(), flags(f.flags())), state);
                    case Action.Redirect rd -> redirects.add(new Pending(rd.address(), Set.of(), state));
                    case Action.Discard d -> { }
                    case Action.Reject rj -> {
                        return refuse(rj.reason());
                    }
                    case Action.Ereject ej -> {
                        return refuse(ej.reason());
                    }
                    case Action.Vacation v -> vacation(account.get(), v, state, followups);
                }
            }
            header = r.headers().fields();
            for (Result.DuplicateMark m : r.duplicateMarks()) {
                String key = "duplicate\0" + m.handle() + "\0" + m.id();
                Instant now = clock.instant();
                Instant until = now.plus(m.expiry());
                followups.add(new Outcome.Followup.AfterCommit(() -> store.sieve().mark(recipient, key, now, until)));
            }
        }
        if (implicitKeep) add(copies, sofar.target(), union(sofar.flags(), keepFlags), header);

        Edits edits = new Edits(message, raw, sofar, original);
        Set<List<HeaderField>> states = new LinkedHashSet<>();
        for (Pending c : copies.values()) states.add(c.state());
        for (Pending r : redirects) states.add(r.state());
        long rewritten = states.stream().filter(st -> !st.equals(original) && asPrefix(original, st, sofar).isEmpty()).count();
        List<HeaderField> end = header;
        boolean collapse = rewritten > MAX_REWRITTEN;
        if (collapse) {
            // each rewritten state is a blob as large as the message: past the bound, every copy gets the last state
            LOG.log(Level.INFO, "Sieve script of " + account.get().address() + " left " + rewritten + " different edited"
                    + " headers on blob " + message.blob() + "; more than " + MAX_REWRITTEN + ", every copy gets the last one");
        }
        List<Outcome.Copy> out = new ArrayList<>();
        copies.forEach((t, c) -> out.add(new Outcome.Copy(t, c.flags(), edits.of(collapse ? end : c.state()))));
        List<Outcome.Redirect> sent = new ArrayList<>();
        for (Pending r : redirects) sent.add(new Outcome.Redirect(r.address(), edits.of(collapse ? end : r.state())));
        return sofar.withRules(new Outcome.Rules(out, sent, followups));
    }

    /**
     * The most different header states one recipient's copies may need a blob of their own for (each the size of the
     * message, counted for the quota); a script that leaves more (a fileinto after each of many deleteheaders) has every
     * copy stored with the header as the scripts left it at the end: one blob. A remote redirect of a rewritten state
     * writes one more blob (without our local lines), so at most twice this many per recipient.
     */
    static final int MAX_REWRITTEN = 4;

    /** A copy (or a redirect, {@code address} in place of a target) before its header state is turned into an edit. */
    private record Pending(String address, Set<String> flags, List<HeaderField> state) {}

    /** The edits of one recipient's header states: identical states share one edit and one blob. */
    private final class Edits {
        private final InboundMessage message;
        private final byte[] raw;
        private final Outcome.Deliver sofar;
        private final List<HeaderField> original;
        private final Map<List<HeaderField>, Outcome.Edit> done = new HashMap<>();

        Edits(InboundMessage message, byte[] raw, Outcome.Deliver sofar, List<HeaderField> original) {
            this.message = message;
            this.raw = raw;
            this.sofar = sofar;
            this.original = original;
        }

        Outcome.Edit of(List<HeaderField> state) {
            Outcome.Edit e = done.get(state);
            if (e == null) {
                e = edit(state);
                done.put(state, e);
            }
            return e;
        }

        private Outcome.Edit edit(List<HeaderField> state) {
            if (state.equals(original)) return Outcome.Edit.NONE;
            Optional<List<String>> prefix = asPrefix(original, state, sofar);
            if (prefix.isPresent()) return new Outcome.Edit.Prefix(prefix.get());
            // RFC 5293 §7: what is stored (keep, fileinto) or redirected is the message with the edited header, so this
            // copy becomes its own blob; the other recipients keep the shared one
            Optional<DeliveryRequest.Own> own = edited(message, raw, sofar, original, state, -1);
            if (own.isEmpty()) return new Outcome.Edit.Prefix(fitting(original, state));
            Map<Long, Optional<DeliveryRequest.Own>> remote = new HashMap<>();
            return new Outcome.Edit.Rewritten(own.get(), skip -> remote.computeIfAbsent(skip,
                    k -> edited(message, raw, sofar, original, state, k)));
        }
    }

    /**
     * The edits as header lines in front of the message, when that is all they are: fields added at the top, each one
     * a prefix may hold, and all of them with the stages' lines within a prefix's bound; empty otherwise.
     */
    private static Optional<List<String>> asPrefix(List<HeaderField> original, List<HeaderField> header,
                                                   Outcome.Deliver sofar) {
        int extra = header.size() - original.size();
        if (extra < 0) return Optional.empty();
        for (int i = 0; i < original.size(); i++) if (header.get(extra + i) != original.get(i)) return Optional.empty();
        List<String> added = new ArrayList<>();
        for (HeaderField f : header.subList(0, extra)) {
            String lines = f.toLines();
            added.add(lines.substring(0, lines.length() - 2));
        }
        List<String> all = new ArrayList<>(added);
        all.addAll(sofar.headers());
        try {
            HeaderPrefix.of(all);
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // a field a prefix refuses (Subject), or too long together
        }
        return Optional.of(added);
    }

    /**
     * A copy in a blob of its own: the edited header (the stages' lines in it, as the script saw them), then the shared
     * blob from the end of its header fields, streamed. With {@code skip} at least 0 (a remote redirect: the bytes at
     * the start of the shared blob not sent on, our Return-Path line; -1 for a local copy), the original fields that lie in the stages' lines or in those
     * bytes are left out: they are for local copies. Empty when the header could not be matched field for field with
     * what the script saw (it is longer than the bound read), or the blob could not be written: the caller then stores
     * the shared blob with what a prefix can hold of the edits, and nothing is lost.
     */
    private Optional<DeliveryRequest.Own> edited(InboundMessage message, byte[] raw, Outcome.Deliver sofar,
                                                 List<HeaderField> original, List<HeaderField> header, long skip) {
        int stageBytes = 0;
        for (String h : sofar.headers()) stageBytes += (h + "\r\n").getBytes(StandardCharsets.UTF_8).length;
        boolean whole = raw.length - stageBytes >= message.size();
        Optional<EditedMessage.Layout> layout = EditedMessage.layout(raw, whole, original);
        if (layout.isEmpty() || layout.get().end() < stageBytes + Math.max(0, skip)) {
            LOG.log(Level.WARNING, "Sieve editheader on blob " + message.blob() + ": the header section is longer than "
                    + "what the script saw; only the fields added at the top are stored");
            return Optional.empty();
        }
        List<HeaderField> fields = header;
        if (skip >= 0) {
            Map<HeaderField, Boolean> local = new IdentityHashMap<>();
            for (int k = 0; k < original.size(); k++) {
                if (layout.get().starts()[k] < stageBytes + skip) local.put(original.get(k), Boolean.TRUE);
            }
            fields = header.stream().filter(f -> !local.containsKey(f)).toList();
        }
        byte[] head = EditedMessage.header(raw, layout.get(), original, fields);
        try {
            return Optional.of(EditedMessage.write(store.blobs(), head,
                    store.blobs().open(message.blob(), layout.get().end() - stageBytes, -1)));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.ERROR, "Sieve editheader on blob " + message.blob() + ": the edited copy could not be written;"
                    + " only the fields added at the top are stored", e);
            return Optional.empty();
        }
    }

    /** The fields the edits added at the top that a prefix may hold (when the edited copy cannot be written). */
    private static List<String> fitting(List<HeaderField> original, List<HeaderField> header) {
        List<String> out = new ArrayList<>();
        for (HeaderField f : header) {
            if (original.stream().anyMatch(o -> o == f)) break;
            String lines = f.toLines();
            out.addAll(fields(lines));
        }
        return out;
    }

    /** {@code view} with the header as the scripts before left it (RFC 5293 §7: later tests see the edits). */
    private static SieveMessage withHeaders(SieveMessage view, List<HeaderField> header) {
        if (header == view.headers()) return view;
        return new SieveMessage() {
            @Override
            public List<HeaderField> headers() {
                return header;
            }

            @Override
            public Optional<String> envelope(String part) {
                return view.envelope(part);
            }

            @Override
            public long size() {
                return view.size();
            }

            @Override
            public Body body() {
                return view.body();
            }
        };
    }

    /** The user's active script, compiled once per version; empty when they have none. */
    private Optional<Compiled> userScript(AccountId recipient) {
        Optional<String> source = store.sieve().active(recipient);
        if (source.isEmpty()) {
            compiled.remove(recipient);
            return Optional.empty();
        }
        Compiled c = compiled.get(recipient);
        if (c != null && c.source().equals(source.get())) return Optional.of(c);
        try {
            c = new Compiled(source.get(), Optional.of(Sieve.compile(source.get(), limits)), "");
        } catch (SieveException e) {
            c = new Compiled(source.get(), Optional.empty(), e.getMessage());
        }
        compiled.put(recipient, c);
        return Optional.of(c);
    }

    /** The message's header lines as it will be stored: the earlier stages' lines, then its own start. */
    private static byte[] asStored(InboundMessage message, Outcome.Deliver sofar) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String h : sofar.headers()) b.writeBytes((h + "\r\n").getBytes(StandardCharsets.UTF_8));
        try {
            b.writeBytes(message.bytes().head(InboundMessage.MAX_HEADER + SieveLimits.DEFAULTS.bodyBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    private static int headLength(InboundMessage message) {
        return (int) Math.min(message.size(), InboundMessage.MAX_HEADER + SieveLimits.DEFAULTS.bodyBytes());
    }

    /** The view with the message's true size (RFC 5228 §5.9), not the bounded bytes read. */
    private static SieveMessage sized(RawSieveMessage m, long size) {
        return new SieveMessage() {
            @Override
            public List<HeaderField> headers() {
                return m.headers();
            }

            @Override
            public Optional<String> envelope(String part) {
                return m.envelope(part);
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public Body body() {
                return m.body();
            }
        };
    }

    /** RFC 5228 §2.10.3: one copy per mailbox, the flags together; the first action's header state stores it. */
    private static void add(Map<DeliveryRequest.Target, Pending> copies, DeliveryRequest.Target t, Set<String> flags,
                            List<HeaderField> state) {
        copies.merge(t, new Pending("", flags, state), (a, b) -> new Pending("", union(a.flags(), b.flags()), a.state()));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new TreeSet<>(a);
        for (String f : b) if (u.size() < MAX_FLAGS) u.add(f);
        return u;
    }

    /**
     * The flags a copy may carry (RFC 5232 §3 "invalid flags are ignored"): the system flags but \Recent, and
     * keywords that are IMAP atoms (RFC 9051 §4), at most 64 characters.
     */
    static Set<String> flags(List<String> in) {
        Set<String> out = new TreeSet<>();
        for (String f : in) {
            if (out.size() >= MAX_FLAGS) break;
            if (f.startsWith("\\")) {
                SYSTEM_FLAGS.stream().filter(s -> s.equalsIgnoreCase(f)).findFirst().ifPresent(out::add);
            } else if (!f.isEmpty() && f.length() <= 64 && f.chars().allMatch(c -> c > 0x20 && c < 0x7f && "(){%*\"\\]".indexOf(c) < 0)) {
                out.add(f);
            }
        }
        return out;
    }

    /** fileinto's mailbox; an unusable name files into the INBOX (RFC 5228 §4.1 lets us; nothing is lost). */
    private static DeliveryRequest.Target target(Action.FileInto f) {
        String n = f.mailbox();
        if (n.equalsIgnoreCase("INBOX")) return DeliveryRequest.Target.INBOX;
        boolean ok = !n.isEmpty() && n.length() <= 200 && !n.startsWith("/") && !n.endsWith("/") && !n.contains("//")
                && n.codePoints().allMatch(c -> c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0) && c != '*' && c != '%')
                && n.split("/", -1).length <= 16;
        return ok ? new DeliveryRequest.Target.Named(n, f.create()) : DeliveryRequest.Target.INBOX;
    }

    /** RFC 5429 §2.1: refused in the SMTP transaction; the reason reaches the sender, on one printable line. */
    private static Outcome.Refuse refuse(String reason) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < reason.length() && b.length() < 200; i++) {
            char c = reason.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : ' ');
        }
        String text = b.toString().strip().replaceAll(" {2,}", " ");
        return new Outcome.Refuse(550, "5.7.1", text.isEmpty() ? "Message refused by the recipient's filter" : text);
    }

    /** The prefix's fields, each one complete field without its final CRLF, the ones a prefix may not hold left out. */
    private static List<String> fields(String prefix) {
        List<String> out = new ArrayList<>();
        for (String f : prefix.split("\r\n(?![ \t])")) {
            if (f.isEmpty()) continue;
            try {
                HeaderPrefix.of(List.of(f));
                out.add(f);
            } catch (IllegalArgumentException e) {
                LOG.log(Level.DEBUG, () -> "editheader field not stored: " + e.getMessage());
            }
        }
        return out;
    }

    /**
     * A vacation reply, unless one went to this sender for this handle within the period (RFC 5230 §4.2). It answers
     * the header as the edits left it when vacation ran (RFC 5293 §7: vacation examines the current header): the
     * Subject of the ":subject" default (RFC 5230 §4.3) and the Message-ID it refers to (RFC 5230 §5.5). The reply
     * goes to the envelope sender ({@link Action.Vacation#recipient}), whatever From or Reply-To say.
     */
    private void vacation(Account account, Action.Vacation v, List<HeaderField> header, List<Outcome.Followup> out) {
        String key = "vacation\0" + v.handle() + "\0" + v.recipient().toLowerCase(Locale.ROOT);
        Instant now = clock.instant();
        if (store.sieve().marked(account.id(), key, now)) return;
        String id = "<" + java.util.UUID.randomUUID() + "@" + hostname + ">";
        ZonedDateTime date = ZonedDateTime.ofInstant(now, ZoneOffset.UTC);
        byte[] reply = Vacations.reply(header, v, account.address().toString(), date, id).toBytes();
        out.add(new Outcome.Followup.Reply(v.recipient(), reply, account.address().domain()));
        Instant until = now.plus(v.period());
        out.add(new Outcome.Followup.AfterCommit(() -> store.sieve().mark(account.id(), key, now, until)));
    }

    /** One notice per script version to the user's INBOX that their filter did not do what it says. */
    private void notice(Account account, String source, String why, List<Outcome.Followup> out) {
        String key = "notice\0" + source; // the store keeps a digest: one notice per exact script text
        Instant now = clock.instant();
        if (store.sieve().marked(account.id(), key, now)) return;
        String text = "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(now.atOffset(ZoneOffset.UTC)) + "\r\n"
                + "From: Mail filter <postmaster@" + hostname + ">\r\n"
                + "To: <" + account.address() + ">\r\n"
                + "Subject: Your mail filter (Sieve) did not run\r\n"
                + "Message-ID: <" + java.util.UUID.randomUUID() + "@" + hostname + ">\r\n"
                + "Auto-Submitted: auto-generated\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                + "Your active Sieve script " + why.replaceAll("[\\r\\n]+", " ") + "\r\n\r\n"
                + "Mail is delivered to your INBOX meanwhile, as if you had no filter. Fix the script in your mail\r\n"
                + "client's filter settings (ManageSieve) and upload it again. You get this notice once per version\r\n"
                + "of the script.\r\n";
        out.add(new Outcome.Followup.Notice(text.getBytes(StandardCharsets.UTF_8)));
        out.add(new Outcome.Followup.AfterCommit(() -> store.sieve().mark(account.id(), key, now, now.plus(Duration.ofDays(3650)))));
    }

    /** What a running script may ask about its surroundings. */
    private final class Context implements SieveContext {
        private final Account account;
        private final OptionalDouble spam;

        Context(Account account, OptionalDouble spam) {
            this.account = account;
            this.spam = spam;
        }

        @Override
        public Optional<String> script(Location location, String name) {
            // RFC 6609 §3.2: personal scripts are the user's own; global ones are not offered
            return location == Location.PERSONAL ? store.sieve().get(account.id(), name) : Optional.empty();
        }

        @Override
        public boolean duplicateSeen(String handle, String id) {
            return store.sieve().marked(account.id(), "duplicate\0" + handle + "\0" + id, clock.instant());
        }

        @Override
        public boolean mailboxExists(String name) {
            return store.mail().mailbox(account.id(), name).isPresent();
        }

        @Override
        public Optional<String> hostname() {
            return Optional.of(hostname);
        }

        @Override
        public OptionalDouble spamScore() {
            return spam;
        }

        @Override
        public Clock clock() {
            return Clock.fixed(clock.instant(), ZoneId.of("UTC"));
        }

        @Override
        public List<String> userAddresses() {
            List<String> mine = new ArrayList<>();
            mine.add(account.address().toString());
            for (var a : store.accounts().aliases()) {
                if (mine.size() >= 50) break;
                if (!a.isCatchAll() && a.targets().contains(account.address().key())) mine.add(a.source());
            }
            return mine;
        }
    }
}
