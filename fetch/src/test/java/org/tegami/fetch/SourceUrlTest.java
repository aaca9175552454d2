package org.tegami.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tegami.store.FetchSourceStore.Protocol;

class SourceUrlTest {
    @Test
    void urlsAsUsersWriteThem() {
        assertEquals(new SourceUrl(Protocol.IMAP, "imap.example.org", 993, "me@example.org", Optional.of("p@ss:w/rd"), "INBOX", false),
                SourceUrl.parse("imaps://me@example.org:p%40ss%3Aw%2Frd@imap.example.org"));
        assertEquals(new SourceUrl(Protocol.IMAP, "imap.example.org", 1993, "me", Optional.empty(), "Old Mail/2019", false),
                SourceUrl.parse("IMAPS://me@IMAP.example.org:1993/Old%20Mail/2019"));
        assertEquals(new SourceUrl(Protocol.POP3, "pop.example.org", 995, "me", Optional.of("a+b"), "", false),
                SourceUrl.parse("pop3s://me:a+b@pop.example.org"));
        assertEquals(new SourceUrl(Protocol.POP3, "::1", 9995, "me", Optional.of("x"), "", false),
                SourceUrl.parse("pop3s://me:x@[::1]:9995"));
        assertEquals(new SourceUrl(Protocol.IMAP, "imap.example.org", 143, "me", Optional.of("x"), "INBOX", true),
                SourceUrl.parse("imap://me:x@imap.example.org"));
        assertEquals(new SourceUrl(Protocol.POP3, "pop.example.org", 110, "me", Optional.of("x"), "", true),
                SourceUrl.parse("pop3://me:x@pop.example.org"));
        for (String bad : new String[] {"http://me:x@host", "imapx://me:x@host", "imaps://host", "imaps://me@", "imaps://me@host:0",
                "imaps://me@host:99999", "imaps://me@host:x", "pop3s://me@host/INBOX", "imaps://me@ho st", "imaps://me@host/F%C3%A4",
                "imaps://%0d%0a@host", "imaps://me@host/%zz"}) {
            assertThrows(IllegalArgumentException.class, () -> SourceUrl.parse(bad), bad);
        }
    }

    @Test
    void displayLeavesThePasswordOut() {
        assertEquals("imaps://me@example.org@imap.example.org:993/INBOX",
                SourceUrl.display(Protocol.IMAP, "imap.example.org", 993, "me@example.org", "INBOX", false));
        assertEquals("pop3s://a%20b@[::1]:995", SourceUrl.display(Protocol.POP3, "::1", 995, "a b", "", false));
        assertEquals("imap://me@host:143/INBOX", SourceUrl.display(Protocol.IMAP, "host", 143, "me", "INBOX", true));
    }
}
