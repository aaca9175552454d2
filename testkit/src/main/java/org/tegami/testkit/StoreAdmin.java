package org.tegami.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.Store;

/**
 * Carries out a transcript's {@code ADMIN:} lines against the store of a test server, as the admin CLI (another
 * process on the same data) or an arriving message would:
 * <pre>
 * ADMIN: user add ADDRESS PASSWORD
 * ADMIN: user remove ADDRESS
 * ADMIN: deliver ADDRESS SUBJECT...      (a short message into the user's INBOX)
 * ADMIN: collect blobs                   (the blob collector's periodic run)
 * ADMIN: sleep MILLISECONDS
 * </pre>
 */
public final class StoreAdmin implements TranscriptRunner.Admin {
    private final Store store;
    private final Instant now;

    public StoreAdmin(Store store, Instant now) {
        this.store = store;
        this.now = now;
    }

    @Override
    public void run(String command) throws Exception {
        String[] w = command.split(" ", 4);
        switch (w[0] + (w.length > 1 ? " " + w[1] : "")) {
            case "user add" -> store.accounts().addUser(address(w[2]),
                    new PasswordHasher().hash(w[3].toCharArray()));
            case "user remove" -> {
                if (!store.accounts().removeUser(address(w[2]))) throw new IllegalArgumentException("no user " + w[2]);
            }
            case "collect blobs" -> store.blobs().collect();
            default -> {
                if (w[0].equals("deliver") && w.length >= 3) {
                    deliver(w[1], command.split(" ", 3)[2]);
                } else if (w[0].equals("sleep") && w.length == 2) {
                    Thread.sleep(Long.parseLong(w[1]));
                } else {
                    throw new IllegalArgumentException("unknown ADMIN: command: " + command);
                }
            }
        }
    }

    private void deliver(String to, String subject) throws Exception {
        Account a = store.accounts().user(address(to)).orElseThrow(() -> new IllegalArgumentException("no user " + to));
        byte[] msg = ("From: admin@example.test\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n\r\n" + subject + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
        try (BlobStore.BlobWriter bw = store.blobs().create()) {
            bw.stream().write(msg);
            store.mail().deliver(new DeliveryRequest(bw.commit(), msg.length, now, Set.of(a.id()), Optional.empty()));
        }
    }

    private static EmailAddress address(String s) {
        return EmailAddress.parse(s).orElseThrow(() -> new IllegalArgumentException("bad address " + s));
    }
}
