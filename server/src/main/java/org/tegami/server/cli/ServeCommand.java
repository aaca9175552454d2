package org.tegami.server.cli;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.TegamiServer;
import org.tegami.server.config.TegamiConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tegami serve [--local]}: runs the server until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the mail server.")
public final class ServeCommand implements Runnable {
    static final String DEMO_DOMAIN = "example.test";
    static final String DEMO_USER = "demo@" + DEMO_DOMAIN;
    /** {@code --local} ports: the standard ones with a 2 in front (2525, 2993, 24190), so no root is needed. */
    static final Map<String, Integer> LOCAL_PORTS = Map.of(
            "smtp", 2525, "submission", 2587, "submissions", 2465, "pop3", 2110, "pop3s", 2995, "imap", 2143, "imaps", 2993,
            "managesieve", 24190);

    @Mixin Cli.ConfigOption config;

    @Option(names = "--local", description = "Trial mode: listen on 127.0.0.1 with unprivileged ports, create the"
            + " domain " + DEMO_DOMAIN + " and the user " + DEMO_USER + " (password printed once).")
    boolean local;

    @Override
    public void run() {
        TegamiConfig cfg = config.load();
        if (local) cfg = localConfig(cfg);
        org.tegami.server.log.LogSetup.install(cfg.logFormat(), System.err); // [log] format: one line per event
        InstantSource clock = InstantSource.system();
        TegamiServer server = TegamiServer.start(cfg, clock);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        String demoPassword = local ? ensureDemo(server) : null;
        org.tegami.server.StartupSummary.print(server, clock.instant(), System.out);
        if (local) printDemo(demoPassword);
        System.out.println("ready");
        System.out.flush();
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static TegamiConfig localConfig(TegamiConfig cfg) {
        Map<String, List<InetSocketAddress>> listen = new LinkedHashMap<>();
        cfg.listen().keySet().forEach(k -> listen.put(k, LOCAL_PORTS.containsKey(k)
                ? List.of(new InetSocketAddress("127.0.0.1", LOCAL_PORTS.get(k))) : List.of()));
        return cfg.withListen("localhost", listen);
    }

    /** Creates the demo domain and user when missing; returns the new password, or null if the user existed. */
    private static String ensureDemo(TegamiServer server) {
        var accounts = server.store().accounts();
        accounts.addDomain(DEMO_DOMAIN);
        EmailAddress demo = EmailAddress.parse(DEMO_USER).orElseThrow();
        if (accounts.user(demo).isPresent()) return null;
        String password = randomPassword();
        accounts.addUser(demo, new PasswordHasher().hash(password.toCharArray()));
        return password;
    }

    private static void printDemo(String password) {
        System.out.print(demoText(password));
    }

    /** What {@code serve --local} prints after the summary: the demo account and how to connect. */
    static String demoText(String password) {
        StringBuilder out = new StringBuilder("\n");
        if (password != null) {
            out.append("Demo account created (the password is shown only this once):\n");
            out.append("  user      ").append(DEMO_USER).append('\n');
            out.append("  password  ").append(password).append('\n');
        } else {
            out.append("Demo account ").append(DEMO_USER).append(" exists; set a new password with:\n");
            out.append("  ./tegami user passwd ").append(DEMO_USER).append('\n');
        }
        out.append('\n');
        out.append("Point your mail client at 127.0.0.1 with the settings above (user ").append(DEMO_USER)
                .append("; IMAP on port ").append(LOCAL_PORTS.get("imaps"))
                .append(" with SSL/TLS, so that every device sees the same folders), and accept the self-signed"
                        + " certificate when it asks.\n");
        out.append("Mail from the internet would arrive on port ").append(LOCAL_PORTS.get("smtp")).append(" for @")
                .append(DEMO_DOMAIN).append(".\n\n");
        return out.toString();
    }

    private static String randomPassword() {
        String alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        SecureRandom r = new SecureRandom();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return sb.toString();
    }
}
