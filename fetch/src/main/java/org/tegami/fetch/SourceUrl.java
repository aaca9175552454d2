package org.tegami.fetch;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.tegami.store.FetchSourceStore.Protocol;

/**
 * A fetch source as the user writes it: {@code imaps://user[:password]@host[:port][/folder]} or
 * {@code pop3s://user[:password]@host[:port]} (RFC 5092 and RFC 2384 in spirit; implicit TLS, RFC 8314), or
 * {@code imap://} and {@code pop3://} (ports 143 and 110) with STARTTLS/STLS required before the login: never
 * in the clear.
 * The user name and password may be percent-encoded; the last {@code @} ends them, so {@code me@example.org} may be
 * written as it is.
 */
public record SourceUrl(Protocol protocol, String host, int port, String username, Optional<String> password,
                        String folder, boolean startTls) {

    public static SourceUrl parse(String url) {
        Protocol p;
        int defaultPort;
        String rest;
        boolean startTls = false;
        if (url.regionMatches(true, 0, "imaps://", 0, 8)) {
            p = Protocol.IMAP;
            defaultPort = 993;
            rest = url.substring(8);
        } else if (url.regionMatches(true, 0, "pop3s://", 0, 8)) {
            p = Protocol.POP3;
            defaultPort = 995;
            rest = url.substring(8);
        } else if (url.regionMatches(true, 0, "imap://", 0, 7)) {
            p = Protocol.IMAP;
            defaultPort = 143;
            rest = url.substring(7);
            startTls = true;
        } else if (url.regionMatches(true, 0, "pop3://", 0, 7)) {
            p = Protocol.POP3;
            defaultPort = 110;
            rest = url.substring(7);
            startTls = true;
        } else {
            throw new IllegalArgumentException("the source must start with imaps://, pop3s://, or imap:// or pop3:// (then"
                    + " STARTTLS is required)");
        }
        int at = rest.lastIndexOf('@');
        if (at <= 0) throw new IllegalArgumentException("the source needs a user name: imaps://user@host");
        String userInfo = rest.substring(0, at);
        String hostPart = rest.substring(at + 1);
        String folder = p == Protocol.IMAP ? "INBOX" : "";
        int slash = hostPart.indexOf('/');
        if (slash >= 0) {
            String f = decode(hostPart.substring(slash + 1));
            hostPart = hostPart.substring(0, slash);
            if (p == Protocol.POP3 && !f.isEmpty()) throw new IllegalArgumentException("POP3 has no folders");
            if (!f.isEmpty()) folder = f;
        }
        if (!folder.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
            throw new IllegalArgumentException("the folder name must be printable ASCII");
        }
        int port = defaultPort;
        int colon = hostPart.lastIndexOf(':');
        if (colon >= 0 && !hostPart.endsWith("]")) {
            try {
                port = Integer.parseInt(hostPart.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) throw new IllegalArgumentException("the port must be a number from 1 to 65535");
            hostPart = hostPart.substring(0, colon);
        }
        if (hostPart.startsWith("[") && hostPart.endsWith("]")) hostPart = hostPart.substring(1, hostPart.length() - 1);
        if (hostPart.isEmpty() || !hostPart.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == ':')) {
            throw new IllegalArgumentException("'" + hostPart + "' is not a host name");
        }
        int pc = userInfo.indexOf(':');
        String user = decode(pc < 0 ? userInfo : userInfo.substring(0, pc));
        Optional<String> password = pc < 0 ? Optional.empty() : Optional.of(decode(userInfo.substring(pc + 1)));
        if (user.isEmpty() || user.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
            throw new IllegalArgumentException("the user name is empty or holds control characters");
        }
        return new SourceUrl(p, hostPart.toLowerCase(java.util.Locale.ROOT), port, user, password, folder, startTls);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad percent-encoding in the source URL");
        }
    }

    /** The URL without the password, as {@code tegami fetch list} shows it. */
    public static String display(Protocol protocol, String host, int port, String username, String folder, boolean startTls) {
        String user = encode(username);
        return (protocol == Protocol.IMAP ? "imap" : "pop3") + (startTls ? "://" : "s://") + user + "@" + (host.contains(":") ? "[" + host + "]" : host)
                + ":" + port + (folder.isEmpty() ? "" : "/" + folder);
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%40", "@");
    }
}
