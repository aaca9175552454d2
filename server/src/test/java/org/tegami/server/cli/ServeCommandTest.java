package org.tegami.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What {@code tegami serve --local} tells a first-time user after the startup summary. */
class ServeCommandTest {

    @Test
    void demoTextSendsTheUserToImapWithTheirPassword() {
        assertEquals("""

                Demo account created (the password is shown only this once):
                  user      demo@example.test
                  password  s3cret

                Point your mail client at 127.0.0.1 with the settings above (user demo@example.test; IMAP on port 2993\
                 with SSL/TLS, so that every device sees the same folders), and accept the self-signed certificate when\
                 it asks.
                Mail from the internet would arrive on port 2525 for @example.test.

                """, ServeCommand.demoText("s3cret"));
    }

    @Test
    void localPortsPutATwoInFrontOfTheStandardOnes() {
        assertEquals(2993, ServeCommand.LOCAL_PORTS.get("imaps"));
        assertEquals(24190, ServeCommand.LOCAL_PORTS.get("managesieve"), "RFC 5804's 4190");
    }

    @Test
    void demoTextForAnExistingAccountSaysHowToResetItsPassword() {
        String text = ServeCommand.demoText(null);
        assertEquals("Demo account demo@example.test exists; set a new password with:", text.lines().toList().get(1));
        assertEquals("  ./tegami user passwd demo@example.test", text.lines().toList().get(2));
    }
}
