package org.tegami.server.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.tegami.core.PrivateFiles;
import org.tegami.core.TegamiException;
import org.tegami.store.Account;
import org.tegami.store.BlobStore;
import org.tegami.store.MailStore;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code tegami mail export|import USER DIR}: a user's mail as Maildir++ (the layout Dovecot, Courier and mbsync use),
 * for moving in from another server or out to anywhere. Folders are {@code DIR/.A.B} for {@code A/B}, the INBOX is
 * {@code DIR} itself; flags are the Maildir info letters (D F R S T); the internal date is the file's time. With
 * {@code --format mbox}: one mboxrd file per folder, {@code DIR/A/B.mbox} for {@code A/B} ({@link MboxFolders}).
 */
@Command(name = "mail", mixinStandardHelpOptions = true, description = "Export or import a user's mail as Maildir or mbox.",
        subcommands = {MailCommand.Export.class, MailCommand.Import.class})
public final class MailCommand {
    /** Messages per store transaction when importing. */
    static final int BATCH = 200;
    /** The largest message imported (Maildir files are read whole). */
    static final long MAX_MESSAGE = 64L * 1024 * 1024;

    private MailCommand() {}

    private static final String[][] LETTERS = {{"D", "\\Draft"}, {"F", "\\Flagged"}, {"R", "\\Answered"}, {"S", "\\Seen"},
            {"T", "\\Deleted"}};

    private static Account account(Store s, String user) {
        return s.accounts().user(Cli.address(user)).orElseThrow(() -> new IllegalArgumentException(
                "no user " + user + ": create it first with 'tegami user add " + user + "'"));
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Write every mailbox of USER into DIR (new or empty) as Maildir++: the INBOX in DIR,",
                    "a folder A/B in DIR/.A.B; flags as Maildir letters; safe while the server runs."})
    static final class Export implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(index = "0", paramLabel = "USER") String user;
        @Parameters(index = "1", paramLabel = "DIR") Path dir;
        @picocli.CommandLine.Option(names = "--format", defaultValue = "maildir", paramLabel = "maildir|mbox",
                description = "maildir (default), or mbox: one mboxrd file per folder, DIR/A/B.mbox for A/B") String format;

        @Override
        public void run() {
            boolean mbox = MboxFolders.format(format);
            try (Store s = config.openStore()) {
                Account a = account(s, user);
                if (Files.exists(dir)) {
                    try (var list = Files.list(dir)) {
                        if (list.findAny().isPresent()) throw new IllegalArgumentException(dir + " is not empty: give a new or empty directory");
                    }
                }
                if (mbox) {
                    MboxFolders.Result r = MboxFolders.export(s, a, dir);
                    System.out.println("exported " + r.messages() + " messages in " + r.mailboxes() + " mailboxes of "
                            + a.address() + " to " + dir + " (mbox)" + (r.skipped() > 0 ? "; " + r.skipped()
                            + " mailboxes skipped (names unusable as file names)" : ""));
                    return;
                }
                long n = 0;
                int boxes = 0;
                for (Mailbox mb : s.mail().mailboxes(a.id())) {
                    Path folder = mb.name().equals(Mailbox.INBOX) ? dir : dir.resolve("." + mb.name().replace('/', '.'));
                    for (String sub : new String[] {"cur", "new", "tmp"}) PrivateFiles.directories(folder.resolve(sub));
                    boxes++;
                    for (MessageMeta m : s.mail().messages(mb.id())) {
                        StringBuilder info = new StringBuilder();
                        for (String[] l : LETTERS) if (m.flags().contains(l[1])) info.append(l[0]);
                        Path f = folder.resolve("cur").resolve(m.internalDate().getEpochSecond() + ".T" + mb.uidValidity()
                                + "U" + m.uid().value() + ".tegami:2," + info);
                        try (InputStream in = s.blobs().open(m.content()); OutputStream out = Files.newOutputStream(f)) {
                            in.transferTo(out);
                        }
                        PrivateFiles.restrict(f);
                        Files.setLastModifiedTime(f, FileTime.from(m.internalDate()));
                        if (++n % 1000 == 0) System.err.println("export: " + n + " messages written");
                    }
                }
                System.out.println("exported " + n + " messages in " + boxes + " mailboxes of " + a.address() + " to " + dir);
            } catch (IOException e) {
                throw new TegamiException("export failed: " + e.getMessage());
            }
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Add the messages of the Maildir++ DIR to USER: DIR's own messages to the INBOX, DIR/.A.B",
                    "to the mailbox A/B (created when missing); flags from the Maildir letters, the date from",
                    "the file's time; bare LF line ends become CRLF. Safe while the server runs."})
    static final class Import implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(index = "0", paramLabel = "USER") String user;
        @Parameters(index = "1", paramLabel = "DIR") Path dir;
        @picocli.CommandLine.Option(names = "--format", defaultValue = "maildir", paramLabel = "maildir|mbox",
                description = {"maildir (default), or mbox: DIR is one mbox file (into the INBOX) or a directory of",
                        "them (mutt, Dovecot; A/B or A/B.mbox into A/B, INBOX into the INBOX)"}) String format;

        @Override
        public void run() {
            if (MboxFolders.format(format)) {
                try (Store s = config.openStore()) {
                    Account a = account(s, user);
                    MboxFolders.Result r = MboxFolders.importFrom(s, a, dir);
                    System.out.println("imported " + r.messages() + " messages into " + r.mailboxes() + " mailboxes of "
                            + a.address() + (r.skipped() > 0 ? "; " + r.skipped() + " skipped (over " + MAX_MESSAGE
                            + " bytes)" : ""));
                } catch (IOException e) {
                    throw new TegamiException("import failed: " + e.getMessage());
                }
                return;
            }
            if (!Files.isDirectory(dir.resolve("cur")) && !Files.isDirectory(dir.resolve("new"))) {
                throw new IllegalArgumentException(dir + " is not a Maildir (no cur/ or new/ in it)");
            }
            try (Store s = config.openStore()) {
                Account a = account(s, user);
                List<Path> folders = new ArrayList<>(List.of(dir));
                try (var list = Files.list(dir)) {
                    list.filter(p -> p.getFileName().toString().startsWith(".") && Files.isDirectory(p.resolve("cur")))
                            .sorted().forEach(folders::add);
                }
                long n = 0;
                long skipped = 0;
                for (Path folder : folders) {
                    String name = folder.equals(dir) ? Mailbox.INBOX : folder.getFileName().toString().substring(1).replace('.', '/');
                    Optional<Mailbox> box = s.mail().mailbox(a.id(), name);
                    Mailbox mb = box.isPresent() ? box.get() : s.mail().createMailbox(a.id(), name, Optional.empty());
                    List<Path> files = new ArrayList<>();
                    for (String sub : new String[] {"cur", "new"}) {
                        if (!Files.isDirectory(folder.resolve(sub))) continue;
                        try (var l = Files.list(folder.resolve(sub))) {
                            l.filter(Files::isRegularFile).forEach(files::add);
                        }
                    }
                    files.sort(Comparator.comparing(this::time).thenComparing(Path::toString));
                    List<MailStore.NewMessage> batch = new ArrayList<>();
                    for (Path f : files) {
                        if (Files.size(f) > MAX_MESSAGE) {
                            System.err.println("import: " + f + " is over " + MAX_MESSAGE + " bytes; skipped");
                            skipped++;
                            continue;
                        }
                        batch.add(blob(s, f));
                        if (batch.size() == BATCH) {
                            s.mail().appendAll(mb.id(), batch);
                            n += batch.size();
                            batch.clear();
                            System.err.println("import: " + n + " messages added");
                        }
                    }
                    if (!batch.isEmpty()) {
                        s.mail().appendAll(mb.id(), batch);
                        n += batch.size();
                    }
                }
                System.out.println("imported " + n + " messages into " + folders.size() + " mailboxes of " + a.address()
                        + (skipped > 0 ? "; " + skipped + " skipped" : ""));
            } catch (IOException e) {
                throw new TegamiException("import failed: " + e.getMessage());
            }
        }

        private Instant time(Path f) {
            try {
                return Files.getLastModifiedTime(f).toInstant();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The message as a committed blob (CRLF line ends), with its Maildir flags and date. */
        private MailStore.NewMessage blob(Store s, Path f) throws IOException {
            byte[] raw = Files.readAllBytes(f);
            ByteArrayOutputStream crlf = new ByteArrayOutputStream(raw.length + raw.length / 40);
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) crlf.write('\r');
                crlf.write(raw[i]);
            }
            Set<String> flags = new TreeSet<>();
            String name = f.getFileName().toString();
            int info = name.indexOf(":2,");
            if (f.getParent().getFileName().toString().equals("cur") && info >= 0) {
                String letters = name.substring(info + 3);
                for (String[] l : LETTERS) if (letters.contains(l[0])) flags.add(l[1]);
            }
            try (BlobStore.BlobWriter w = s.blobs().create()) {
                w.stream().write(crlf.toByteArray());
                return new MailStore.NewMessage(w.commit(), w.size(), time(f), flags);
            }
        }
    }
}
