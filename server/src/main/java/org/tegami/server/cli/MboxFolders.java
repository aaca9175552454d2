package org.tegami.server.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.tegami.core.PrivateFiles;
import org.tegami.store.Account;
import org.tegami.store.BlobStore;
import org.tegami.store.MailStore;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;
import org.tegami.server.mbox.MboxReader;
import org.tegami.server.mbox.MboxWriter;

/**
 * {@code tegami mail export|import --format mbox}: a user's folders as one mboxrd file each. Export writes
 * {@code DIR/INBOX.mbox} and {@code DIR/A/B.mbox} for {@code A/B}; import reads one file (into the INBOX) or every
 * file under a directory (mutt's and Dovecot's {@code ~/Mail}: {@code A/B} or {@code A/B.mbox} into {@code A/B},
 * {@code inbox} into the INBOX), skipping hidden files and directories (Dovecot's {@code .imap} indexes).
 */
final class MboxFolders {
    private static final String SUFFIX = ".mbox";

    private MboxFolders() {}

    /** What an export or import did. */
    record Result(long messages, int mailboxes, long skipped) {}

    /** True for {@code mbox}, false for {@code maildir}; anything else is an error naming both. */
    static boolean format(String f) {
        return switch (f.toLowerCase(Locale.ROOT)) {
            case "mbox" -> true;
            case "maildir" -> false;
            default -> throw new IllegalArgumentException("--format must be maildir or mbox, not \"" + f + "\"");
        };
    }

    static Result export(Store s, Account a, Path dir) throws IOException {
        long n = 0;
        int boxes = 0;
        long skipped = 0;
        for (Mailbox mb : s.mail().mailboxes(a.id())) {
            Optional<Path> file = fileFor(dir, mb.name());
            if (file.isEmpty()) {
                System.err.println("export: mailbox \"" + mb.name() + "\" skipped: its name is not usable as a file name");
                skipped++;
                continue;
            }
            PrivateFiles.directories(file.get().getParent());
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file.get()))) {
                PrivateFiles.restrict(file.get());
                for (MessageMeta m : s.mail().messages(mb.id())) {
                    byte[] content;
                    try (InputStream in = s.blobs().open(m.content())) {
                        content = in.readAllBytes();
                    }
                    MboxWriter.write(out, content, m.internalDate(), m.flags());
                    if (++n % 1000 == 0) System.err.println("export: " + n + " messages written");
                }
            }
            boxes++;
        }
        return new Result(n, boxes, skipped);
    }

    /** {@code DIR/A/B.mbox} for {@code A/B}; empty for a name with an empty, {@code .} or {@code ..} level. */
    static Optional<Path> fileFor(Path dir, String mailbox) {
        String[] levels = mailbox.split("/", -1);
        Path p = dir;
        for (int i = 0; i < levels.length; i++) {
            String l = levels[i];
            if (l.isEmpty() || l.equals(".") || l.equals("..") || l.startsWith(".") || l.indexOf('\0') >= 0) return Optional.empty();
            p = p.resolve(i == levels.length - 1 ? l + SUFFIX : l);
        }
        return Optional.of(p);
    }

    static Result importFrom(Store s, Account a, Path source) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isRegularFile(source)) {
            files.add(source);
        } else if (Files.isDirectory(source)) {
            try (Stream<Path> walk = Files.walk(source)) {
                walk.filter(Files::isRegularFile)
                        .filter(p -> source.relativize(p).toString().chars().noneMatch(c -> c == 0))
                        .filter(p -> { // hidden files and anything under a hidden directory
                            for (Path part : source.relativize(p)) if (part.toString().startsWith(".")) return false;
                            return true;
                        })
                        .sorted().forEach(files::add);
            }
        } else {
            throw new IllegalArgumentException(source + " is neither an mbox file nor a directory of them");
        }
        long n = 0;
        long skipped = 0;
        int boxes = 0;
        for (Path f : files) {
            String name = Files.isRegularFile(source) ? Mailbox.INBOX : folderName(source.relativize(f));
            Mailbox mb = s.mail().mailbox(a.id(), name).orElseGet(() -> s.mail().createMailbox(a.id(), name, Optional.empty()));
            boxes++;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 64 * 1024)) {
                MboxReader reader = new MboxReader(in, MailCommand.MAX_MESSAGE);
                List<MailStore.NewMessage> batch = new ArrayList<>();
                for (Optional<MboxReader.Message> m; (m = reader.next()).isPresent(); ) {
                    try (BlobStore.BlobWriter w = s.blobs().create()) {
                        w.stream().write(m.get().content());
                        batch.add(new MailStore.NewMessage(w.commit(), w.size(), m.get().date().orElseGet(Instant::now),
                                m.get().flags()));
                    }
                    if (batch.size() == MailCommand.BATCH) {
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
                if (reader.skipped() > 0) {
                    System.err.println("import: " + reader.skipped() + " messages in " + f + " over " + MailCommand.MAX_MESSAGE
                            + " bytes skipped");
                    skipped += reader.skipped();
                }
            }
        }
        return new Result(n, boxes, skipped);
    }

    /** {@code A/B.mbox} or {@code A/B} → {@code A/B}; {@code inbox} in any case → INBOX. */
    static String folderName(Path relative) {
        String name = relative.toString().replace(relative.getFileSystem().getSeparator(), "/");
        if (name.toLowerCase(Locale.ROOT).endsWith(SUFFIX)) name = name.substring(0, name.length() - SUFFIX.length());
        return name.equalsIgnoreCase(Mailbox.INBOX) ? Mailbox.INBOX : name;
    }
}
