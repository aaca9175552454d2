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
        List<ImapBench.Client> clients = java.util.Collections.synchronizedList(new ArrayList<>(n));
        // a first batch, so the server's heap can be measured with the constant costs already paid
        connect(port, n / 5, clients);
        System.out.println("idling " + clients.size());
        System.out.flush();
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
        connect(port, n - n / 5, clients);
        System.out.println("idling " + clients.size());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void connect(int port, int n, List<ImapBench.Client> clients) throws Exception {
        long t0 = System.nanoTime();
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        // a few connections at a time: each login costs an Argon2id verification on the server
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            for (int t = 0; t < 4; t++) {
                pool.submit(() -> {
                    while (next.getAndIncrement() < n) {
                        ImapBench.Client c = new ImapBench.Client(port);
                        c.command("a LOGIN " + ImapBench.USER + " " + ImapBench.PASSWORD);
                        c.command("b SELECT INBOX");
                        c.send("c IDLE");
                        c.readUntil("+ ");
                        clients.add(c);
                        if (clients.size() % 500 == 0) {
                            System.out.printf("%d connected (%.0f s)%n", clients.size(), (System.nanoTime() - t0) / 1e9);
                        }
                    }
                    return null;
                });
            }
        }
    }
}
