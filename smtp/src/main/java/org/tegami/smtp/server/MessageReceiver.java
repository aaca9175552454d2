package org.tegami.smtp.server;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Instant;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tegami.core.StoreException;
import org.tegami.core.log.LogContext;
import org.tegami.core.log.LoggedMessageId;
import org.tegami.core.metrics.Metrics;
import org.tegami.mime.EmailAddress;
import org.tegami.net.LineBuffer;
import org.tegami.smtp.proto.SmtpCommand;
import org.tegami.smtp.proto.SmtpReply;
import org.tegami.delivery.InboundMessage;
import org.tegami.delivery.LocalDelivery;
import org.tegami.delivery.Outcome;
import org.tegami.delivery.LocalNotice;
import org.tegami.mime.report.DeliveryReport;
import org.tegami.smtp.proto.DsnParameters;
import org.tegami.store.EnvelopeParams;
import org.tegami.delivery.forward.Forwarder;
import org.tegami.store.Account;
import org.tegami.store.AccountId;
import org.tegami.store.BlobStore;
import org.tegami.store.BlobId;
import org.tegami.store.Delivered;
import org.tegami.store.MessageWrites;
import org.tegami.store.ReadGroup;
import org.tegami.store.DeliveryRequest;

/**
 * DATA (RFC 5321 §4.1.1.4) and BDAT (RFC 3030) for a session: reads the message into a blob, runs the inbound
 * pipeline for the local recipients, then stores it durably and only then answers 250.
 */
final class MessageReceiver {
    private static final Logger LOG = System.getLogger(MessageReceiver.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ID_CHARS = "0123456789BCDFGHJKLMNPQRSTVWXZ".toCharArray();

    /** How much of a message's start is read to see whether it is a TLS report (its Content-Type field). */
    private static final int REPORT_HEAD = 32 * 1024;

    private MessageReceiver() {}

    static void data(SmtpSession s) throws IOException {
        Envelope env = s.envelope;
        if (env == null) {
            s.reply(503, "5.5.1", "Send MAIL first");
            return;
        }
        if (env.chunks != null) {
            s.reply(503, "5.5.1", "DATA not allowed after BDAT");
            return;
        }
        if (env.recipients.isEmpty()) {
            s.reply(554, "5.5.1", "No valid recipients");
            return;
        }
        String id = newId();
        try (MessageSink sink = open(s, id)) {
            s.reply(354, "", "End data with <CR><LF>.<CR><LF>");
            s.conn.flush();
            s.conn.setReadTimeout(s.env.limits().smtpDataTimeout());
            int maxLine = maxLine(s);
            // One buffer for every line: a 50 MiB DATA must not allocate an array per line (issue 12).
            LineBuffer line = new LineBuffer();
            // RFC 5321 §4.1.1.4: the data ends only at CRLF "." CRLF. The CRLF of DATA counts as the first one;
            // after a line that ended in a bare LF, a "." line is text, so neither <LF>.<LF> nor <LF>.<CR><LF>
            // can end the data here (SMTP smuggling, CVE-2023-51764).
            boolean afterCrlf = true;
            while (true) {
                switch (s.conn.readLine(line, maxLine)) {
                    case EOF -> {
                        s.closeAfterReply();
                        return; // nothing acknowledged, nothing kept
                    }
                    case TOO_LONG_CRLF -> {
                        sink.fail(MessageSink.Problem.LINE_TOO_LONG);
                        afterCrlf = true;
                    }
                    case TOO_LONG_BARE_LF -> {
                        sink.fail(MessageSink.Problem.LINE_TOO_LONG);
                        sink.fail(MessageSink.Problem.BARE_LINE_ENDING);
                        afterCrlf = false;
                    }
                    case BARE_LF -> {
                        sink.fail(MessageSink.Problem.BARE_LINE_ENDING);
                        afterCrlf = false;
                    }
                    case CRLF -> {
                        byte[] b = line.bytes();
                        int n = line.length();
                        if (afterCrlf && n == 1 && b[0] == '.') {
                            finish(s, sink, id);
                            return;
                        }
                        // RFC 5321 §4.5.2: remove the first of a leading dot.
                        int off = n > 0 && b[0] == '.' ? 1 : 0;
                        sink.line(b, off, n - off, line.bareCr() || !afterCrlf);
                        afterCrlf = true;
                    }
                }
            }
        }
    }

    /**
     * Longest text line: submission keeps RFC 5321's 1000 (clients encode, and what it accepts may be relayed);
     * port 25 takes up to 64 KiB, as some senders write longer lines and Postfix accepts them (see Limits).
     */
    private static int maxLine(SmtpSession s) {
        return s.role == SmtpServer.Role.SUBMISSION ? s.env.limits().smtpTextLine() : s.env.limits().inboundTextLine();
    }

    static void bdat(SmtpSession s, SmtpCommand.Bdat c) throws IOException {
        Envelope env = s.envelope;
        s.conn.setReadTimeout(s.env.limits().smtpDataTimeout());
        if (env == null || env.recipients.isEmpty()) {
            // RFC 3030 §2: the chunk must still be read so the session stays in step.
            if (!s.conn.readExactly(c.size(), java.io.OutputStream.nullOutputStream())) {
                s.closeAfterReply();
                return;
            }
            s.reply(env == null ? SmtpReply.of(503, "5.5.1", "Send MAIL first")
                    : SmtpReply.of(554, "5.5.1", "No valid recipients"));
            return;
        }
        if (env.chunks == null) env.chunks = open(s, newId());
        MessageSink sink = env.chunks;
        byte[] buf = new byte[16 * 1024];
        long left = c.size();
        while (left > 0) {
            int n = s.conn.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                s.closeAfterReply();
                return;
            }
            sink.raw(buf, 0, n);
            left -= n;
        }
        if (!c.last()) {
            Optional<SmtpReply> failure = sink.failure();
            if (failure.isPresent()) {
                Metrics.smtpMessage(failure.get().code());
                s.reply(failure.get());
                s.resetTransaction(); // later chunks of this message get 503
            } else {
                s.reply(250, "2.0.0", c.size() + " octets received");
            }
            return;
        }
        sink.finishRaw();
        try (sink) {
            finish(s, sink, env.messageId);
        }
    }

    private static MessageSink open(SmtpSession s, String id) throws IOException {
        Envelope env = s.envelope;
        // Submission keeps the header section to check who the message says it is from.
        MessageSink sink = new MessageSink(s.env.store().blobs().create(), s.env.limits().messageSize(), maxLine(s),
                s.user != null ? s.env.limits().headerSection() : 0, s.env.hostname());
        env.messageId = id;
        Instant now = s.env.clock().instant();
        Optional<String> forRcpt = env.recipients.size() == 1
                ? Optional.of(env.recipients.getFirst().toString()) : Optional.empty();
        sink.prefix(TraceHeaders.returnPath(env.reversePath()));
        sink.prefix(TraceHeaders.received(s.helo, s.conn.remoteAddress().getHostAddress(), s.env.hostname(),
                s.esmtp, env.smtpUtf8, s.tls(), s.user != null, id, forRcpt, now));
        return sink;
    }

    private static void finish(SmtpSession s, MessageSink sink, String id) throws IOException {
        Envelope env = s.envelope;
        Optional<SmtpReply> failure = sink.failure();
        if (failure.isPresent()) {
            s.resetTransaction();
            Metrics.smtpMessage(failure.get().code());
            s.reply(failure.get());
            return;
        }
        // The early quota answer, the author check, the message's first bytes and the inbound pipeline's lookups are
        // one group of reads: on PostgreSQL one read transaction (the quota check was one of its own), ended before
        // the delivery's write and before anything is answered.
        Prepared prepared = ReadGroup.run(() -> prepare(s, sink, id));
        Prepared.Ready ready;
        switch (prepared) {
            case Prepared.Refused r -> {
                s.resetTransaction();
                Metrics.smtpMessage(r.reply().code());
                s.reply(r.reply());
                return;
            }
            case Prepared.Failed f -> {
                couldNotStore(s, id, f.cause());
                return;
            }
            case Prepared.Ready r -> ready = r;
        }
        BlobId blob = ready.blob();
        byte[] start = ready.start();
        String dkimDomain = ready.dkimDomain();
        try {
            // the inbound pipeline decides per local recipient: mailbox, flags, added header lines, or refusal
            List<DeliveryRequest.Recipient> local = new ArrayList<>();
            // refusals by forward-path, for the one reply or the notice
            Map<String, Outcome.Refuse> refused = new LinkedHashMap<>();
            List<DeliveryRequest.Outbound> outbounds = new ArrayList<>();
            Map<AccountId, List<Outcome.Followup>> followups = new LinkedHashMap<>();
            long returnPathBytes = TraceHeaders.returnPath(env.reversePath()).length;
            if (ready.message() != null) {
                InboundMessage m = ready.message();
                LocalDelivery.Plan plan = localDelivery(s).plan(m, ready.outcomes(), returnPathBytes,
                        a -> LOG.log(Level.ERROR, "message " + id + ": a stage added a header prefix the store refuses, dropped"));
                local.addAll(plan.recipients());
                outbounds.addAll(plan.outbounds());
                plan.refused().forEach((a, r) -> refused.putIfAbsent(String.valueOf(env.localAddress.get(a)), r));
                followups.putAll(plan.followups());
                forward(s, env, m, returnPathBytes, outbounds, refused);
            }
            if (!env.srsBounces.isEmpty()) {
                // bounces to our SRS addresses go on to the addresses they decode to, as they came (ADR 0013)
                outbounds.add(new DeliveryRequest.Outbound("", List.copyOf(env.srsBounces), returnPathBytes));
            }
            if (local.isEmpty() && env.remote.isEmpty() && outbounds.isEmpty() && !refused.isEmpty()) {
                // RFC 5321 §3.3: one reply for all recipients, before anything is stored. Permanent only when every
                // refusal is; otherwise "try later", and the sender retries them all.
                Outcome.Refuse r = refused.values().stream().filter(Outcome.Refuse::temporary).findFirst()
                        .orElse(refused.values().iterator().next());
                LOG.log(Level.INFO, () -> "refused " + id + " from <" + env.reversePath() + ">: " + r.code() + " "
                        + r.enhanced() + " " + r.text());
                s.resetTransaction();
                Metrics.smtpMessage(r.code());
                s.reply(r.code(), r.enhanced(), r.text());
                return; // the blob is no one's: collected
            }
            if (!env.remote.isEmpty()) {
                outbounds.addFirst(new DeliveryRequest.Outbound(env.reversePath(),
                        env.remote.stream().map(EmailAddress::toString).toList(), returnPathBytes,
                        Optional.ofNullable(s.user).map(Account::id), dkimDomain).withParams(env.params(env.remote)));
            }
            if (env.requireTls) {
                // RFC 8689 §4.1: every copy sent on (forwarded, redirected) is tagged as the message was
                outbounds.replaceAll(o -> o.withParams(o.params().withTls(EnvelopeParams.Tls.REQUIRED)));
            }
            // the quota check above is the early answer; the store's transaction decides, its quota rows locked, so
            // that concurrent deliveries cannot together exceed a quota (RFC 3463 5.2.2)
            MessageWrites.DeliveryOutcome outcome = s.env.store().mail().deliverWithinQuota(new DeliveryRequest(
                    blob, sink.blobSize(), s.env.clock().instant(), local, outbounds));
            if (outcome instanceof MessageWrites.OverQuota) {
                s.resetTransaction();
                Metrics.smtpMessage(552);
                s.reply(552, "5.2.2", "Mailbox full: this message exceeds the recipient's quota");
                return;
            }
            Delivered d = (Delivered) outcome;
            if (!d.queue().isEmpty()) LogContext.put(LogContext.QUEUE, d.queue().stream().map(Object::toString).collect(java.util.stream.Collectors.joining(",")));
            LOG.log(Level.INFO, () -> "accepted " + id + " from <" + env.reversePath() + "> for "
                    + List.copyOf(env.recipients) + " blob " + blob + (d.queue().isEmpty() ? "" : " queue " + d.queue())
                    + (refused.isEmpty() ? "" : " refused for " + refused.keySet()));
            if (!refused.isEmpty()) notifyRefused(s, env, blob, returnPathBytes, refused);
            notifySuccess(s, env, blob, returnPathBytes, refused.keySet(), plan(local));
            if (!local.isEmpty()) {
                // RFC 8460 §5.3: a TLS report to one of our addresses is summarised for tegami tls-report
                org.tegami.delivery.report.TlsReportIntake.take(s.env.store(), start,
                        sink.blobSize(), () -> s.env.store().blobs().open(blob), s.env.clock().instant());
            }
            localDelivery(s).followUp(followups);
            if (s.user != null) s.env.sendRate().record(s.user.id(), s.env.clock().instant());
            s.resetTransaction();
            Metrics.smtpMessage(250);
            s.reply(250, "2.0.0", "OK queued as " + id);
        } catch (IOException | StoreException e) {
            couldNotStore(s, id, e);
        }
    }

    private static void couldNotStore(SmtpSession s, String id, Exception e) throws IOException {
        LOG.log(Level.ERROR, "could not store message " + id, e);
        s.resetTransaction();
        Metrics.smtpMessage(451);
        s.reply(451, "4.3.0", "Could not store the message, try again later");
    }

    /** What the reads before the delivery decided: a refusal to answer, a failure to store, or the message ready. */
    private sealed interface Prepared {
        record Refused(SmtpReply reply) implements Prepared {}

        record Failed(Exception cause) implements Prepared {}

        /** {@code message} and {@code outcomes} null when no local recipient or forward needs the pipeline. */
        record Ready(BlobId blob, byte[] start, String dkimDomain, InboundMessage message,
                     Map<AccountId, Outcome> outcomes) implements Prepared {}
    }

    /**
     * The early quota answer, the author check of a submission, the blob's commit and the inbound pipeline: every
     * read before the delivery, run in one {@link ReadGroup}. Writes nothing to the client.
     */
    private static Prepared prepare(SmtpSession s, MessageSink sink, String id) {
        Envelope env = s.envelope;
        // RFC 3463 5.2.2: when every recipient is local and none has room for this message, refuse it; with other
        // recipients it is delivered to all, and a full mailbox refuses at RCPT from then on
        if (env.remote.isEmpty() && env.forwards.isEmpty() && env.srsBounces.isEmpty() && !env.localAccounts.isEmpty()
                && env.quotaAccounts.containsAll(env.localAccounts)
                && env.localAccounts.stream().allMatch(a ->
                        s.env.store().accounts().quota(a).map(q -> !q.allows(sink.blobSize(), 1)).orElse(false))) {
            return new Prepared.Refused(SmtpReply.of(552, "5.2.2", "Mailbox full: this message exceeds the recipient's quota"));
        }
        String dkimDomain = "";
        if (s.user != null) {
            switch (AuthorCheck.check(sink.header(), s.env.limits().headerSection(), s.user, s.env.resolver())) {
                case AuthorCheck.Refused r -> {
                    LOG.log(Level.INFO, () -> "refused " + id + " from " + s.user.address() + ": " + r.reply().lines());
                    return new Prepared.Refused(r.reply());
                }
                case AuthorCheck.Allowed a -> dkimDomain = a.dkimDomain();
            }
            // RFC 8689 §4.2.2: the sender relaxes recipient-side TLS policies for this message; with REQUIRETLS the
            // field is ignored (§4.1) and stays in the message
            env.tlsRequiredNo = !env.requireTls && sink.header().tlsRequiredNo();
        }
        try {
            BlobId blob = sink.commit();
            // one read of the message's start serves the log's Message-ID and the TLS report check
            byte[] start = head(s, blob, REPORT_HEAD);
            LogContext.put(LogContext.MSGID, LoggedMessageId.find(start.length > LoggedMessageId.HEAD
                    ? java.util.Arrays.copyOf(start, LoggedMessageId.HEAD) : start).orElse(null));
            if (env.localAccounts.isEmpty() && env.forwards.isEmpty()) {
                return new Prepared.Ready(blob, start, dkimDomain, null, null);
            }
            InboundMessage m = new InboundMessage(s.conn.remoteAddress(), s.helo == null ? "" : s.helo,
                    env.reversePath(), List.copyOf(env.localAccounts), s.tls().isPresent(),
                    Optional.ofNullable(s.user).map(Account::id), blob, sink.blobSize(), new InboundMessage.BlobBytes() {
                        @Override
                        public byte[] head(int max) throws IOException {
                            return MessageReceiver.head(s, blob, max);
                        }

                        @Override
                        public InputStream open() throws IOException {
                            return s.env.store().blobs().open(blob);
                        }
                    });
            return new Prepared.Ready(blob, start, dkimDomain, m, s.env.pipeline().run(m));
        } catch (IOException | StoreException e) {
            return new Prepared.Failed(e);
        }
    }

    /**
     * The forwarded copies (ADR 0013): one queue entry per alias that names remote targets, each remote target once
     * per message; a copy the forwarder refuses (a loop, DMARC reject) is refused for its forward-path. Each copy
     * keeps the DSN parameters of the forward-path it came for, with ORCPT naming that forward-path when the sender
     * gave none (RFC 3461 §5.2.1); when the forward-path goes to more than one place, NOTIFY loses SUCCESS (the
     * sender hears "expanded" from us instead, RFC 3461 §6.2.7.3).
     */
    private static void forward(SmtpSession s, Envelope env, InboundMessage m, long skipBytes,
                                List<DeliveryRequest.Outbound> outbounds, Map<String, Outcome.Refuse> refused) {
        java.util.Set<String> sent = new java.util.HashSet<>();
        for (Map.Entry<EmailAddress, List<org.tegami.auth.Recipient.Forward>> f : env.forwards.entrySet()) {
            Map<String, List<String>> byAlias = new LinkedHashMap<>();
            for (org.tegami.auth.Recipient.Forward fw : f.getValue()) {
                if (sent.add(fw.target().toLowerCase(java.util.Locale.ROOT))) {
                    byAlias.computeIfAbsent(fw.alias(), k -> new ArrayList<>()).add(fw.target());
                }
            }
            EnvelopeParams.Rcpt dsn = forwardedDsn(env, f.getKey());
            for (Map.Entry<String, List<String>> a : byAlias.entrySet()) {
                switch (s.env.forwarder().forward(m, f.getKey(), a.getKey(), a.getValue(), skipBytes)) {
                    case Forwarder.Result.Queue q -> {
                        Map<String, EnvelopeParams.Rcpt> rcpts = new LinkedHashMap<>();
                        for (String t : q.outbound().recipients()) rcpts.put(t, dsn);
                        outbounds.add(q.outbound().withParams(new EnvelopeParams(
                                env.dsn.ret().map(r -> EnvelopeParams.Ret.valueOf(r.name())), env.dsn.envid(), env.tls(), rcpts)));
                    }
                    case Forwarder.Result.Refused r -> refused.putIfAbsent(f.getKey().toString(), r.refuse());
                }
            }
        }
    }

    /** How many places a local forward-path delivers to: its accounts and its remote targets. */
    private static int destinations(Envelope env, EmailAddress to) {
        return env.localByAddress.getOrDefault(to, Set.of()).size() + env.forwards.getOrDefault(to, List.of()).size();
    }

    /** The DSN parameters a forwarded copy of {@code to} carries on. */
    private static EnvelopeParams.Rcpt forwardedDsn(Envelope env, EmailAddress to) {
        EnvelopeParams.Rcpt r = env.rcpt(to);
        if (destinations(env, to) > 1 && r.notifyOn().isPresent()) { // RFC 3461 §6.2.7.3
            java.util.Set<EnvelopeParams.Notify> n = new java.util.HashSet<>(r.notifyOn().get());
            n.remove(EnvelopeParams.Notify.SUCCESS);
            r = new EnvelopeParams.Rcpt(Optional.of(n), r.orcptType(), r.orcpt());
        }
        // RFC 3461 §5.2.1: an ORCPT we add names the recipient as we received it (only where it is ASCII, §4.2)
        if (r.orcpt().isEmpty() && !to.isUtf8()) r = r.withOrcpt("rfc822", to.toString());
        return r;
    }

    /** The local delivery step (Sieve's redirects and follow-ups) over this session's store and forwarder. */
    private static LocalDelivery localDelivery(SmtpSession s) {
        return new LocalDelivery(s.env.store(), s.env.forwarder(), a -> {
            try {
                return s.env.resolver().resolve(a) instanceof org.tegami.auth.Recipient.Local l ? l.accounts() : Set.of();
            } catch (StoreException e) {
                return Set.of();
            }
        }, d -> s.env.store().accounts().isLocalDomain(d), s.env.clock());
    }

    private static byte[] head(SmtpSession s, BlobId blob, int max) throws IOException {
        try (InputStream in = s.env.store().blobs().open(blob)) {
            return in.readNBytes(max);
        }
    }

    /**
     * Local recipients refused while others accepted: the sender learns it from a notice (RFC 3464), unless their
     * NOTIFY leaves FAILURE out (RFC 3461 §4.1). The message is already stored and acknowledged for the others, so a
     * failure here is logged, not answered.
     */
    private static void notifyRefused(SmtpSession s, Envelope env, BlobId blob, long skipBytes,
                                      Map<String, Outcome.Refuse> byAddress) {
        Map<String, Outcome.Refuse> told = new LinkedHashMap<>();
        byAddress.forEach((to, r) -> {
            if (rcptParams(env, to).wants(EnvelopeParams.Notify.FAILURE)) told.put(to, r);
        });
        if (told.isEmpty() || env.reversePath().isEmpty()) return;
        sendNotice(s, env, "notice of refused recipients", original -> LocalNotice.refused(s.env.hostname(),
                env.reversePath(), env.dsn.envid(), s.env.clock().instant(), told, to -> orcpt(env, to), original,
                // RFC 8689 §5: the content of a REQUIRETLS message does not go back on a path we cannot vouch for
                !env.requireTls && env.dsn.ret().orElse(DsnParameters.Ret.HDRS) == DsnParameters.Ret.FULL, s.env.clock().instant()),
                blob, skipBytes);
    }

    /**
     * RFC 3461 §5.2.2: the local forward-paths whose NOTIFY names SUCCESS and which were stored get {@code Action:
     * delivered}; one that went to several places (an alias) {@code Action: expanded} (§6.2.7.3). A forward-path
     * that only forwards to one remote address is left to the queue (relayed or reported by the next hop).
     */
    private static void notifySuccess(SmtpSession s, Envelope env, BlobId blob, long skipBytes,
                                      java.util.Set<String> refused, java.util.Set<AccountId> stored) {
        if (env.reversePath().isEmpty()) return;
        Map<String, DeliveryReport.Action> told = new LinkedHashMap<>();
        for (EmailAddress to : env.recipients) {
            if (refused.contains(to.toString()) || !env.rcpt(to).wants(EnvelopeParams.Notify.SUCCESS)) continue;
            Set<AccountId> accounts = env.localByAddress.getOrDefault(to, Set.of());
            if (destinations(env, to) > 1) told.put(to.toString(), DeliveryReport.Action.EXPANDED);
            else if (accounts.size() == 1 && stored.containsAll(accounts)) told.put(to.toString(), DeliveryReport.Action.DELIVERED);
        }
        if (told.isEmpty()) return;
        sendNotice(s, env, "success notice", original -> LocalNotice.delivered(s.env.hostname(), env.reversePath(),
                env.dsn.envid(), s.env.clock().instant(), told, to -> orcpt(env, to), original, s.env.clock().instant()),
                blob, skipBytes);
    }

    /** RFC 8689 §5: a notice about a REQUIRETLS message travels under REQUIRETLS too (ADR 0018). */
    private static EnvelopeParams noticeParams(Envelope env) {
        return env.requireTls ? EnvelopeParams.NONE.withTls(EnvelopeParams.Tls.REQUIRED) : EnvelopeParams.NONE;
    }

    /** The accounts that got a copy. */
    private static java.util.Set<AccountId> plan(List<DeliveryRequest.Recipient> local) {
        return local.stream().map(DeliveryRequest.Recipient::account).collect(java.util.stream.Collectors.toSet());
    }

    private static EnvelopeParams.Rcpt rcptParams(Envelope env, String to) {
        return env.recipients.stream().filter(a -> a.toString().equals(to)).findFirst().map(env::rcpt)
                .orElse(EnvelopeParams.Rcpt.NONE);
    }

    private static Optional<DeliveryReport.OriginalRecipient> orcpt(Envelope env, String to) {
        EnvelopeParams.Rcpt r = rcptParams(env, to);
        return r.orcpt().map(a -> new DeliveryReport.OriginalRecipient(r.orcptType().orElseThrow(), a));
    }

    @FunctionalInterface
    private interface NoticeBuilder {
        byte[] build(InputStream original) throws IOException;
    }

    /**
     * A notice from {@code <>} to the envelope sender: into the sender's own mailbox when local, else queued.
     */
    private static void sendNotice(SmtpSession s, Envelope env, String what, NoticeBuilder builder, BlobId blob, long skipBytes) {
        try (InputStream original = s.env.store().blobs().open(blob); BlobStore.BlobWriter w = s.env.store().blobs().create()) {
            original.skipNBytes(skipBytes); // our Return-Path line
            byte[] notice = builder.build(original);
            byte[] returnPath = TraceHeaders.returnPath("");
            w.stream().write(returnPath);
            w.stream().write(notice);
            BlobId b = w.commit();
            Optional<AccountId> sender = env.sender.flatMap(a -> {
                try {
                    return s.env.resolver().resolve(a) instanceof org.tegami.auth.Recipient.Local l
                            ? l.accounts().stream().findFirst() : Optional.empty();
                } catch (StoreException e) {
                    return Optional.empty();
                }
            });
            s.env.store().mail().deliver(sender.isPresent()
                    ? new DeliveryRequest(b, w.size(), s.env.clock().instant(), Set.of(sender.get()), Optional.empty())
                    : new DeliveryRequest(b, w.size(), s.env.clock().instant(), Set.of(), Optional.of(
                            new DeliveryRequest.Outbound("", List.of(env.reversePath()), returnPath.length,
                                    Optional.empty(), s.env.hostname()).withParams(noticeParams(env)))));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.ERROR, "could not send the " + what + " to <" + env.reversePath() + ">", e);
        }
    }

    /** A short random id that ties the Received header, the 250 reply and the log together. */
    static String newId() {
        char[] c = new char[12];
        for (int i = 0; i < c.length; i++) c[i] = ID_CHARS[RANDOM.nextInt(ID_CHARS.length)];
        return new String(c);
    }
}
