package org.tegami.imap.server;

import org.tegami.imap.proto.ImapCommand;
import org.tegami.store.Account;

/**
 * The state of an IMAP connection (RFC 9051 §3), carrying what the state has: the logged-in account, and in the
 * selected state the mailbox view. {@link #allows} is the one table of which commands each state accepts.
 */
sealed interface SessionState {

    /** RFC 9051 §3.1: before login; only the any-state commands and the login commands. */
    record NotAuthenticated() implements SessionState {}

    /** RFC 9051 §3.2: logged in, no mailbox selected. */
    record Authenticated(Account account) implements SessionState {}

    /** RFC 9051 §3.3: logged in with a mailbox selected. */
    record Selected(Account account, SelectedMailbox mailbox) implements SessionState {}

    /** RFC 9051 §3.4: the connection is ending; nothing more is read. */
    record Logout() implements SessionState {}

    SessionState NOT_AUTHENTICATED = new NotAuthenticated();
    SessionState LOGOUT = new Logout();

    /** Where a command is valid (RFC 9051 §6, and each extension's RFC for its commands). */
    enum Validity {
        /** RFC 9051 §6.1: in every state. */
        ANY,
        /** RFC 9051 §6.2: before login only. */
        NOT_AUTHENTICATED,
        /** RFC 9051 §6.3: once logged in, with or without a mailbox selected. */
        AUTHENTICATED,
        /** RFC 9051 §6.4: with a mailbox selected. */
        SELECTED
    }

    /** The state-by-command table: where each command may be given. */
    static Validity validity(ImapCommand cmd) {
        return switch (cmd) {
            case ImapCommand.Capability c -> Validity.ANY;
            case ImapCommand.Noop c -> Validity.ANY;
            case ImapCommand.Logout c -> Validity.ANY;
            case ImapCommand.Id c -> Validity.ANY; // RFC 2971 §3.1
            case ImapCommand.StartTls c -> Validity.NOT_AUTHENTICATED;
            case ImapCommand.Login c -> Validity.NOT_AUTHENTICATED;
            case ImapCommand.Authenticate c -> Validity.NOT_AUTHENTICATED;
            case ImapCommand.Enable c -> Validity.AUTHENTICATED; // RFC 5161 §3.1
            case ImapCommand.Select c -> Validity.AUTHENTICATED;
            case ImapCommand.Examine c -> Validity.AUTHENTICATED;
            case ImapCommand.Create c -> Validity.AUTHENTICATED;
            case ImapCommand.Delete c -> Validity.AUTHENTICATED;
            case ImapCommand.Rename c -> Validity.AUTHENTICATED;
            case ImapCommand.Subscribe c -> Validity.AUTHENTICATED;
            case ImapCommand.Unsubscribe c -> Validity.AUTHENTICATED;
            case ImapCommand.ListCmd c -> Validity.AUTHENTICATED;
            case ImapCommand.Lsub c -> Validity.AUTHENTICATED;
            case ImapCommand.Namespace c -> Validity.AUTHENTICATED; // RFC 2342 §5
            case ImapCommand.Status c -> Validity.AUTHENTICATED;
            case ImapCommand.Append c -> Validity.AUTHENTICATED;
            case ImapCommand.Catenate c -> Validity.AUTHENTICATED; // RFC 4469 §5
            case ImapCommand.Idle c -> Validity.AUTHENTICATED; // RFC 2177
            case ImapCommand.Compress c -> Validity.AUTHENTICATED; // RFC 4978 §3
            case ImapCommand.Notify c -> Validity.AUTHENTICATED; // RFC 5465 §3
            case ImapCommand.MyRights c -> Validity.AUTHENTICATED; // RFC 4314 §3
            case ImapCommand.GetAcl c -> Validity.AUTHENTICATED;
            case ImapCommand.SetAcl c -> Validity.AUTHENTICATED;
            case ImapCommand.DeleteAcl c -> Validity.AUTHENTICATED;
            case ImapCommand.ListRights c -> Validity.AUTHENTICATED;
            case ImapCommand.GetQuotaRoot c -> Validity.AUTHENTICATED; // RFC 9208 §4
            case ImapCommand.GetQuota c -> Validity.AUTHENTICATED;
            case ImapCommand.SetQuota c -> Validity.AUTHENTICATED;
            case ImapCommand.GetMetadata c -> Validity.AUTHENTICATED; // RFC 5464 §4
            case ImapCommand.SetMetadata c -> Validity.AUTHENTICATED;
            case ImapCommand.MultiSearch c -> Validity.AUTHENTICATED; // RFC 7377 §2
            case ImapCommand.Unauthenticate c -> Validity.AUTHENTICATED; // RFC 8437 §3
            case ImapCommand.Check c -> Validity.SELECTED;
            case ImapCommand.Close c -> Validity.SELECTED;
            case ImapCommand.Unselect c -> Validity.SELECTED; // RFC 3691
            case ImapCommand.Expunge c -> Validity.SELECTED;
            case ImapCommand.UidExpunge c -> Validity.SELECTED; // RFC 4315 §2.1
            case ImapCommand.Fetch c -> Validity.SELECTED;
            case ImapCommand.Store c -> Validity.SELECTED;
            case ImapCommand.Copy c -> Validity.SELECTED;
            case ImapCommand.Move c -> Validity.SELECTED; // RFC 6851 §3.1
            case ImapCommand.Search c -> Validity.SELECTED;
            case ImapCommand.Sort c -> Validity.SELECTED; // RFC 5256 §3
            case ImapCommand.Thread c -> Validity.SELECTED; // RFC 5256 §4
            case ImapCommand.Replace c -> Validity.SELECTED; // RFC 8508 §3
            case ImapCommand.CancelUpdate c -> Validity.SELECTED; // RFC 5267 §4.2.1
        };
    }

    /** Whether {@code cmd} may be given in this state. */
    default boolean allows(ImapCommand cmd) {
        return switch (validity(cmd)) {
            case ANY -> !(this instanceof Logout);
            case NOT_AUTHENTICATED -> this instanceof NotAuthenticated;
            case AUTHENTICATED -> this instanceof Authenticated || this instanceof Selected;
            case SELECTED -> this instanceof Selected;
        };
    }
}
