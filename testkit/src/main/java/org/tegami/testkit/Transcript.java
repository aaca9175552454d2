package org.tegami.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A parsed wire transcript: client lines to send and server lines to expect, replayed by {@link TranscriptRunner}.
 *
 * @param name        file name without {@code .txt}, used as the test name
 * @param sourceLines every line of the file, for the failure report
 * @param port        listener named by the header's {@code port:} key, if any
 * @param steps       executable steps in file order
 */
public record Transcript(String name, List<String> sourceLines, Optional<String> port, List<Step> steps) {

    private static final Pattern PORT = Pattern.compile("\\bport:\\s*(\\S+)");
    private static final Pattern SESSION = Pattern.compile("SESSION:\\s+(\\S+)(?:\\s+port=(\\S+))?\\s*");

    public Transcript {
        sourceLines = List.copyOf(sourceLines);
        steps = List.copyOf(steps);
    }

    /** Parses a transcript file. */
    public static Transcript parse(Path file) {
        try {
            return parse(fileName(file.getFileName().toString()), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a classpath resource, e.g. {@code "transcripts/smtp/quit-221.txt"}. */
    public static Transcript parseResource(String resource) {
        String path = resource.startsWith("/") ? resource.substring(1) : resource;
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no such resource: " + resource);
            }
            String base = path.substring(path.lastIndexOf('/') + 1);
            return parse(fileName(base), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses transcript text; throws {@link IllegalArgumentException} naming the line on a syntax error. */
    public static Transcript parse(String name, String text) {
        List<String> lines = text.lines().map(l -> l.endsWith("\r") ? l.substring(0, l.length() - 1) : l).toList();
        List<Step> steps = new ArrayList<>();
        String port = null;
        boolean header = true;
        List<Step.Expect> unordered = null;
        int unorderedLine = 0;
        for (int i = 0; i < lines.size(); i++) {
            int no = i + 1;
            String l = lines.get(i);
            if (l.isBlank()) {
                continue;
            }
            if (l.startsWith("#")) {
                Matcher m = PORT.matcher(l);
                if (header && m.find()) {
                    port = m.group(1);
                }
                continue;
            }
            header = false;
            if (unordered != null) {
                if (l.strip().equals("END")) {
                    if (unordered.isEmpty()) {
                        throw error(name, no, "empty UNORDERED block");
                    }
                    steps.add(new Step.Unordered(unorderedLine, unordered));
                    unordered = null;
                    continue;
                }
                Step s = parseLine(name, no, l);
                if (!(s instanceof Step.Expect e)) {
                    throw error(name, no, "only S: and S~ lines may appear inside UNORDERED");
                }
                unordered.add(e);
                continue;
            }
            if (l.strip().equals("UNORDERED:")) {
                unordered = new ArrayList<>();
                unorderedLine = no;
                continue;
            }
            steps.add(parseLine(name, no, l));
        }
        if (unordered != null) {
            throw error(name, unorderedLine, "UNORDERED without END");
        }
        return new Transcript(name, lines, Optional.ofNullable(port), steps);
    }

    private static Step parseLine(String name, int no, String l) {
        if (l.startsWith("C:")) {
            return new Step.Send(no, afterPrefix(l, 2));
        }
        if (l.startsWith("C-RAW:")) {
            String raw = afterPrefix(l, 6);
            try {
                unescape(raw);
            } catch (IllegalArgumentException e) {
                throw error(name, no, e.getMessage());
            }
            return new Step.SendRaw(no, raw);
        }
        if (l.startsWith("S:")) {
            return new Step.Expect(no, afterPrefix(l, 2), false);
        }
        if (l.startsWith("S~")) {
            String regex = afterPrefix(l, 2);
            try {
                Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw error(name, no, "bad regex: " + e.getDescription());
            }
            return new Step.Expect(no, regex, true);
        }
        String t = l.strip();
        if (t.equals("TLS")) {
            return new Step.StartTls(no);
        }
        if (t.startsWith("CLOSE:")) {
            return new Step.Close(no, t.substring(6).strip());
        }
        if (t.equals("CLOSED")) {
            return new Step.Closed(no);
        }
        if (t.startsWith("ADMIN:")) {
            return new Step.Admin(no, t.substring(6).strip());
        }
        if (t.startsWith("SESSION:")) {
            Matcher m = SESSION.matcher(t);
            if (!m.matches()) {
                throw error(name, no, "expected SESSION: name [port=listener]");
            }
            return new Step.Session(no, m.group(1), m.group(2));
        }
        throw error(name, no, "unknown line kind: " + l);
    }

    /** Text after a prefix and the single space that follows it, so trailing/leading spaces stay significant. */
    private static String afterPrefix(String l, int n) {
        return l.length() > n && l.charAt(n) == ' ' ? l.substring(n + 1) : l.substring(n);
    }

    private static IllegalArgumentException error(String name, int no, String msg) {
        return new IllegalArgumentException(name + ":" + no + ": " + msg);
    }

    private static String fileName(String base) {
        return base.endsWith(".txt") ? base.substring(0, base.length() - 4) : base;
    }

    /** Decodes {@code \r \n \t \0 \\ \xHH} escapes into bytes; other characters are sent as UTF-8. */
    public static byte[] unescape(String s) {
        var out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                int end = i + 1;
                while (end < s.length() && s.charAt(end) != '\\') {
                    end++;
                }
                out.writeBytes(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
                i = end - 1;
                continue;
            }
            if (i + 1 >= s.length()) {
                throw new IllegalArgumentException("dangling backslash");
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'r' -> out.write('\r');
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case '0' -> out.write(0);
                case '\\' -> out.write('\\');
                case 'x' -> {
                    String hex = s.substring(i + 1, Math.min(i + 3, s.length()));
                    if (hex.length() != 2 || !HexFormat.isHexDigit(hex.charAt(0)) || !HexFormat.isHexDigit(hex.charAt(1))) {
                        throw new IllegalArgumentException("\\x needs two hex digits");
                    }
                    out.write(HexFormat.fromHexDigits(hex));
                    i += 2;
                }
                default -> throw new IllegalArgumentException("unknown escape \\" + e);
            }
        }
        return out.toByteArray();
    }
}
