package org.tegami.imap.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tegami.imap.proto.ImapCommand;

/** The state-by-command table (RFC 9051 §3, §6): which state accepts which command. */
class SessionStateTest {
    private static final SessionState NOT_AUTH = SessionState.NOT_AUTHENTICATED;
    private static final SessionState AUTH = new SessionState.Authenticated(null);
    private static final SessionState SELECTED = new SessionState.Selected(null, null);
    private static final SessionState LOGOUT = SessionState.LOGOUT;

    @Test
    void anyStateCommandsRunUntilLogout() {
        for (ImapCommand c : List.of(new ImapCommand.Capability(), new ImapCommand.Noop(), new ImapCommand.Logout())) {
            assertTrue(NOT_AUTH.allows(c) && AUTH.allows(c) && SELECTED.allows(c), c.toString());
            assertFalse(LOGOUT.allows(c), c.toString());
        }
    }

    @Test
    void loginCommandsOnlyBeforeLogin() {
        ImapCommand login = new ImapCommand.Login("u", "p");
        ImapCommand startTls = new ImapCommand.StartTls();
        ImapCommand authenticate = new ImapCommand.Authenticate("PLAIN", Optional.empty());
        for (ImapCommand c : List.of(login, startTls, authenticate)) {
            assertTrue(NOT_AUTH.allows(c), c.toString());
            assertFalse(AUTH.allows(c) || SELECTED.allows(c) || LOGOUT.allows(c), c.toString());
        }
    }

    @Test
    void authenticatedCommandsAlsoInSelected() {
        ImapCommand select = new ImapCommand.Select("INBOX", false, Optional.empty());
        ImapCommand enable = new ImapCommand.Enable(List.of("IMAP4REV2")); // RFC 5161 §3.1: authenticated state
        for (ImapCommand c : List.of(select, enable, new ImapCommand.Idle(), new ImapCommand.Unauthenticate())) {
            assertFalse(NOT_AUTH.allows(c), c.toString());
            assertTrue(AUTH.allows(c) && SELECTED.allows(c), c.toString());
        }
    }

    @Test
    void selectedCommandsNeedAMailbox() {
        for (ImapCommand c : List.of(new ImapCommand.Check(), new ImapCommand.Close(), new ImapCommand.Unselect(),
                new ImapCommand.Expunge())) {
            assertTrue(SELECTED.allows(c), c.toString());
            assertFalse(NOT_AUTH.allows(c) || AUTH.allows(c) || LOGOUT.allows(c), c.toString());
        }
    }
}
