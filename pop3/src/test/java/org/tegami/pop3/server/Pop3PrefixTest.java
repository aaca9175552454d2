package org.tegami.pop3.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.HeaderPrefix;
import org.tegami.testkit.Transcript;

/** A message's header prefix (ADR 0008) is part of it for POP3: counted by STAT/LIST, sent first by RETR and TOP. */
class Pop3PrefixTest {
    @TempDir
    Path dir;

    @Test
    void prefixIsSentAndCounted() throws Exception {
        try (Pop3TestServer server = new Pop3TestServer(dir.resolve("data"), dir.resolve("tls"))) {
            var store = server.store();
            var bob = store.accounts().user(Pop3TestServer.address(Pop3TestServer.BOB)).orElseThrow();
            byte[] body = "Subject: p\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII); // 18 octets
            var prefix = HeaderPrefix.of(List.of("X-Spam-Status: No, score=0.02")); // 31 octets
            try (BlobStore.BlobWriter w = store.blobs().create()) {
                w.stream().write(body);
                var blob = w.commit();
                store.mail().deliver(new DeliveryRequest(blob, body.length, Pop3TestServer.NOW, List.of(
                        new DeliveryRequest.Recipient(bob.id(), DeliveryRequest.Target.INBOX, Set.of(), prefix)),
                        Optional.empty()));
            }
            server.runner().run(Transcript.parse("prefix", """
                    # port: pop3s
                    S: +OK Tegami POP3 server ready
                    C: USER bob@example.test
                    S: +OK Send PASS
                    C: PASS bob-password
                    S: +OK Logged in, 1 messages (49 octets)
                    C: LIST
                    S: +OK 1 messages (49 octets)
                    S: 1 49
                    S: .
                    C: RETR 1
                    S: +OK 49 octets
                    S: X-Spam-Status: No, score=0.02
                    S: Subject: p
                    S:\s
                    S: hi
                    S: .
                    C: TOP 1 0
                    S: +OK Top of message follows
                    S: X-Spam-Status: No, score=0.02
                    S: Subject: p
                    S:\s
                    S: .
                    C: QUIT
                    S: +OK mail.example.test POP3 server signing off (1 messages left)
                    CLOSED
                    """));
        }
    }
}
