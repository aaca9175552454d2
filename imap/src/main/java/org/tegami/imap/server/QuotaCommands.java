package org.tegami.imap.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ResponseCode;

/** QUOTA (RFC 9208): one quota root, {@code ""}, per user, set by the administrator (GETQUOTA, GETQUOTAROOT, SETQUOTA). */
final class QuotaCommands {
    private final ImapSession s;

    QuotaCommands(ImapSession session) {
        this.s = session;
    }

    void quotaRoot(String tag, String wire) throws IOException, ImapSyntaxException {
        String name = s.mailboxName(tag, wire);
        Optional<Access.Target> mb = s.findMailbox(name);
        if (mb.isEmpty()) {
            s.out().no(tag, ResponseCode.Atom.NONEXISTENT, "No such mailbox");
            return;
        }
        // another user's mailbox counts against their quota, which is theirs to see: no root is named
        var quota = mb.get().own() ? s.env.store().accounts().quota(s.account().id()) : Optional.<org.tegami.store.Quota>empty();
        s.out().data("QUOTAROOT " + s.out().mailboxName(name) + (quota.isPresent() ? " \"\"" : ""));
        if (quota.isPresent()) s.out().data(quotaLine(quota.get()));
        s.out().ok(tag, "GETQUOTAROOT completed");
    }

    void quota(String tag, String root) throws IOException {
        var quota = s.env.store().accounts().quota(s.account().id());
        if (!root.isEmpty() || quota.isEmpty()) {
            s.out().no(tag, ResponseCode.Atom.NONEXISTENT, "No such quota root");
            return;
        }
        s.out().data(quotaLine(quota.get()));
        s.out().ok(tag, "GETQUOTA completed");
    }

    /** RFC 9208 §5.1: only the resources that have a limit. */
    private static String quotaLine(org.tegami.store.Quota q) {
        List<String> r = new ArrayList<>();
        q.storageKib().ifPresent(l -> r.add("STORAGE " + q.usedKib() + " " + l));
        q.messages().ifPresent(l -> r.add("MESSAGE " + q.usedMessages() + " " + l));
        return "QUOTA \"\" (" + String.join(" ", r) + ")";
    }

    /** RFC 9208 §4.1.3: limits are the administrator's to set. */
    void setQuota(String tag) throws IOException {
        s.out().no(tag, ResponseCode.Atom.NOPERM, "Quotas are set by the administrator: tegami user quota");
    }
}
