package org.tegami.auth.sasl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SaslTest {

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Base64 of bytes written as hex, so NUL and invalid UTF-8 can be written down. */
    private static String b64Hex(String hex) {
        return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // raw (\0 = NUL)                             | authzid            | authcid            | password
            "\\0alice@example.test\\0secret              |                    | alice@example.test | secret",
            "alice@example.test\\0alice@example.test\\0pw | alice@example.test | alice@example.test | pw",
            "bob\\0alice\\0pw                             | bob                | alice              | pw",
            "\\0alice\\0pass word with spaces             |                    | alice              | pass word with spaces",
            "\\0jösé@exämple.test\\0pässwörd 🔑           |                    | jösé@exämple.test  | pässwörd 🔑",
    })
    void parsesGoodPlainResponses(String raw, String authzid, String authcid, String password) throws SaslException {
        String input = raw.strip().replace("\\0", "\0");
        assertEquals(new PlainCredentials(authzid == null ? "" : authzid, authcid, password),
                Sasl.parsePlain(b64(input)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // input as hex bytes (00 = NUL)          | message
            "                                         | PLAIN response must be authzid NUL authcid NUL password",
            "616c696365                               | PLAIN response must be authzid NUL authcid NUL password",
            "00616c696365                             | PLAIN response must be authzid NUL authcid NUL password",
            "00616c69636500707700                     | PLAIN response must be authzid NUL authcid NUL password",
            "00616c6963650070770078                   | PLAIN response must be authzid NUL authcid NUL password",
            // ^ a NUL inside the password is a fourth field, not part of it (RFC 4616 §2: NUL-free)
            "0000707700                               | PLAIN response must be authzid NUL authcid NUL password",
            "00007077                                 | empty user name or password",
            "00616c69636500                           | empty user name or password",
            "0000                                     | empty user name or password",
            "00616c6963650070ff                       | invalid UTF-8",
            "00616c6963650070c0af                     | invalid UTF-8",
            "00616c6963650070eda080                   | invalid UTF-8",
            "00ff00707700                             | PLAIN response must be authzid NUL authcid NUL password",
            "00ff007077                               | invalid UTF-8",
    })
    void rejectsMalformedPlainResponses(String hex, String message) {
        String input = hex == null ? "" : b64Hex(hex.strip());
        assertEquals(message, assertThrows(SaslException.class, () -> Sasl.parsePlain(input)).getMessage());
    }

    @Test
    void authzidWithInvalidUtf8IsRefused() {
        assertEquals("invalid UTF-8",
                assertThrows(SaslException.class, () -> Sasl.parsePlain(b64Hex("ff00616c69636500707077"))).getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "not base64!",
            "AGFsaWNl AHB3",
            "AGFsaWNlAHB3=x",
            "====",
            "AGFs*WNl",
    })
    void rejectsBadBase64(String input) {
        assertEquals("invalid base64", assertThrows(SaslException.class, () -> Sasl.parsePlain(input)).getMessage());
        assertEquals("invalid base64",
                assertThrows(SaslException.class, () -> Sasl.decodeBase64Utf8(input)).getMessage());
    }

    @Test
    void eachFieldIsAtMost255Bytes() throws SaslException {
        String max = "é".repeat(127) + "x"; // 255 bytes
        String over = "é".repeat(128); // 256 bytes, 128 characters
        assertEquals(max, Sasl.parsePlain(b64("\0alice\0" + max)).password());
        assertEquals(max, Sasl.parsePlain(b64(max + "\0" + max + "\0pw")).authcid());
        for (String raw : new String[] {"\0alice\0" + over, "\0" + over + "\0pw", over + "\0alice\0pw"}) {
            assertEquals("field too long",
                    assertThrows(SaslException.class, () -> Sasl.parsePlain(b64(raw))).getMessage(), raw);
        }
        assertEquals(max, Sasl.decodeBase64Utf8(b64(max)));
        assertEquals("field too long", assertThrows(SaslException.class, () -> Sasl.decodeBase64Utf8(b64(over))).getMessage());
    }

    @Test
    void impersonationIsAnAuthzidNamingSomeoneElse() throws SaslException {
        assertFalse(Sasl.parsePlain(b64("\0alice@example.test\0pw")).impersonates());
        assertFalse(Sasl.parsePlain(b64("alice@example.test\0alice@example.test\0pw")).impersonates());
        assertFalse(Sasl.parsePlain(b64("Alice@Example.TEST\0alice@example.test\0pw")).impersonates(), "same mailbox");
        assertTrue(Sasl.parsePlain(b64("bob@example.test\0alice@example.test\0pw")).impersonates());
        assertTrue(Sasl.parsePlain(b64("alice@other.test\0alice@example.test\0pw")).impersonates());
    }

    @Test
    void credentialsNeverPrintThePassword() throws SaslException {
        String s = Sasl.parsePlain(b64("\0alice\0hunter2")).toString();
        assertEquals("PlainCredentials[authzid=, authcid=alice, password=***]", s);
    }

    @Test
    void loginStepsDecodeStrictly() throws SaslException {
        // AUTH LOGIN (draft-murchison-sasl-login): one base64 line per step.
        assertEquals("alice@example.test", Sasl.decodeBase64Utf8("YWxpY2VAZXhhbXBsZS50ZXN0"));
        assertEquals("ünï", Sasl.decodeBase64Utf8(b64("ünï")));
        assertEquals("", Sasl.decodeBase64Utf8(""));
        assertEquals("NUL not allowed", assertThrows(SaslException.class, () -> Sasl.decodeBase64Utf8(b64("a\0b"))).getMessage());
        assertEquals("invalid UTF-8", assertThrows(SaslException.class, () -> Sasl.decodeBase64Utf8(b64Hex("61ff"))).getMessage());
        assertEquals("invalid UTF-8", assertThrows(SaslException.class, () -> Sasl.decodeBase64Utf8(b64Hex("eda080"))).getMessage());
    }

    @Test
    void onlyALoneStarCancels() {
        // RFC 4954 §4
        assertTrue(Sasl.isCancel("*"));
        assertFalse(Sasl.isCancel("**"));
        assertFalse(Sasl.isCancel(""));
        assertFalse(Sasl.isCancel("="));
        assertFalse(Sasl.isCancel("Kg=="), "base64 of * is data");
    }
}
