package org.tegami.mailauth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** RFC 8601 §5: our authserv-id's Authentication-Results fields from outside are removed; nothing else changes. */
class AuthResultsStripperTest {
    private static final String ID = "mx.example.org";

    /** The message through the stripper, written whole and also split at every byte boundary (all must agree). */
    private static String strip(String message) throws IOException {
        byte[] in = message.getBytes(StandardCharsets.ISO_8859_1);
        String whole = run(in, in.length);
        for (int split = 1; split < in.length; split++) {
            assertEquals(whole, run2(in, split), "split at " + split);
        }
        assertEquals(whole, run(in, 1), "byte by byte");
        return whole;
    }

    private static String run(byte[] in, int chunk) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AuthResultsStripper s = new AuthResultsStripper(out, ID)) {
            for (int i = 0; i < in.length; i += chunk) s.write(in, i, Math.min(chunk, in.length - i));
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static String run2(byte[] in, int split) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AuthResultsStripper s = new AuthResultsStripper(out, ID)) {
            s.write(in, 0, split);
            s.write(in, split, in.length - split);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void oursIsRemovedTheirsKept() throws IOException {
        String in = "Received: from x\r\n"
                + "Authentication-Results: mx.example.org; dkim=pass header.d=bank.example\r\n"
                + "Authentication-Results: other.example; spf=fail\r\n"
                + "Subject: hi\r\n\r\n"
                + "Authentication-Results: mx.example.org; spf=pass\r\nbody\r\n";
        assertEquals("Received: from x\r\n"
                + "Authentication-Results: other.example; spf=fail\r\n"
                + "Subject: hi\r\n\r\n"
                + "Authentication-Results: mx.example.org; spf=pass\r\nbody\r\n", strip(in)); // the body is text
    }

    @Test
    void foldedCommentedAndOddlyCasedFieldsAreRemovedWhole() throws IOException {
        String in = "aUTHENTICATION-rESULTS:\r\n (forged) MX.Example.ORG;\r\n\tdmarc=pass\r\n"
                + "Authentication-Results: \"mx.example.org\" 1; none\r\n"
                + "From: a@b\r\n\r\nx\r\n";
        assertEquals("From: a@b\r\n\r\nx\r\n", strip(in));
    }

    @Test
    void similarNamesAndContinuationsOfOtherFieldsPass() throws IOException {
        String in = "Authentication-Result: mx.example.org; x=y\r\n"
                + "X-Authentication-Results: mx.example.org; spf=pass\r\n"
                + "Subject: a\r\n Authentication-Results: mx.example.org; spf=pass\r\n"
                + "Authentication-Results: mx.example.org.evil; spf=pass\r\n\r\n";
        assertEquals(in, strip(in));
    }

    @Test
    void anOverlongFieldIsDroppedAndTheRestGoesOn() throws IOException {
        String comment = "(" + "c".repeat(AuthResultsStripper.MAX_FIELD) + ")";
        String in = "Authentication-Results: " + comment + " other.example; spf=pass\r\nSubject: a\r\n\r\nb\r\n";
        assertEquals("Subject: a\r\n\r\nb\r\n", run(in.getBytes(StandardCharsets.ISO_8859_1), 4096));
    }

    @Test
    void aMessageThatIsAllHeaderOrEndsMidLine() throws IOException {
        assertEquals("", strip("Authentication-Results: mx.example.org; none\r\n"));
        assertEquals("Subj", strip("Subj"));
        assertEquals("Authentication-Re", strip("Authentication-Re"));
    }
}
