package org.tegami.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Child process of {@link ImapBench}: opens N IMAP connections over TLS, logs each in, selects INBOX and enters
 * IDLE, prints {@code idling N}, then holds them until killed.
 */
public final class ImapIdleClients {
    private ImapIdleClients() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        List<ImapBench.Client> clients = new ArrayList<>(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            ImapBench.Client c = new ImapBench.Client(port);
            c.command("a LOGIN " + ImapBench.USER + " " + ImapBench.PASSWORD);
            c.command("b SELECT INBOX");
            c.send("c IDLE");
            c.readUntil("+ ");
            clients.add(c);
            if ((i + 1) % 500 == 0) {
                System.out.printf("%d connected (%.0f s)%n", i + 1, (System.nanoTime() - t0) / 1e9);
            }
        }
        System.out.println("idling " + clients.size());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
