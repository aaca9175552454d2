package org.tegami.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LoggedMessageIdTest {

    private static Optional<String> find(String head) {
        return LoggedMessageId.find(head.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void findsOnlyAWellFormedId() {
        String[][] table = {
                {"From: a@b\r\nMessage-ID: <x1@example.test>\r\n\r\nbody", "<x1@example.test>"},
                {"message-id:<x2@h>\r\n\r\n", "<x2@h>"},
                {"MESSAGE-ID:\r\n\t<folded@h>\r\nSubject: s\r\n\r\n", "<folded@h>"},
                {"Message-ID: <bare@lf>\nX: y\n\n", "<bare@lf>"},
                {"Subject: s\r\n\r\nMessage-ID: <in-body@h>\r\n", null},
                {"Message-ID: <has space@h>\r\n\r\n", null},
                {"Message-ID: <back\\slash@h>\r\n\r\n", null},
                {"Message-ID: <>\r\n\r\n", null},
                {"Message-ID: <a<b@h>\r\n\r\n", null},
                {"Message-ID: <unterminated@h\r\n\r\n", null},
                {"Message-ID:\r\nX: <not-folding@h>\r\n\r\n", null},
                {"X-Message-ID: <other@h>\r\n\r\n", null},
                {"Message-ID: <8bit\u00e9@h>\r\n\r\n", null},
        };
        for (String[] row : table) assertEquals(Optional.ofNullable(row[1]), find(row[0]), row[0]);
    }

    @Test
    void aQuoteCannotReachTheLogLine() {
        assertEquals(Optional.empty(), find("Message-ID: <quote\"@h>\r\n\r\n"));
    }

    @Test
    void anIdLongerThanTheLimitIsNotLogged() {
        String ok = "<" + "a".repeat(LoggedMessageId.MAX_ID - 4) + "@h>";
        assertEquals(LoggedMessageId.MAX_ID, ok.length());
        assertEquals(Optional.of(ok), find("Message-ID: " + ok + "\r\n\r\n"));
        assertEquals(Optional.empty(), find("Message-ID: <" + "a".repeat(100_000) + "@h>\r\n\r\n"));
    }

    @Test
    void onlyTheFirstBytesAreSearched() {
        String filler = "X-Filler: " + "f".repeat(LoggedMessageId.HEAD) + "\r\n";
        assertEquals(Optional.empty(), find(filler + "Message-ID: <late@h>\r\n\r\n"));
    }
}
