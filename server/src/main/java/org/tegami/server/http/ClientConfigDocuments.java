package org.tegami.server.http;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.tegami.mime.EmailAddress;
import org.tegami.server.http.ClientSettings.Protocol;
import org.tegami.server.http.ClientSettings.Security;
import org.tegami.server.http.ClientSettings.Service;
import org.w3c.dom.NodeList;

/**
 * The documents mail clients fetch to configure themselves: Thunderbird autoconfig, Microsoft Autodiscover (POX and
 * JSON v2) and Apple configuration profiles. Pure functions of {@link ClientSettings}; no sockets.
 */
public final class ClientConfigDocuments {
    private ClientConfigDocuments() {}

    /** Thunderbird's clientConfig v1.1 (wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat). */
    public static String thunderbird(ClientSettings s, String domain) {
        StringBuilder b = new StringBuilder();
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.append("<clientConfig version=\"1.1\">\n");
        b.append("  <emailProvider id=\"").append(xml(domain)).append("\">\n");
        b.append("    <domain>").append(xml(domain)).append("</domain>\n");
        b.append("    <displayName>").append(xml(domain)).append(" mail</displayName>\n");
        b.append("    <displayShortName>").append(xml(domain)).append("</displayShortName>\n");
        for (Service svc : s.enabled()) {
            String element = svc.incoming() ? "incomingServer" : "outgoingServer";
            b.append("    <").append(element).append(" type=\"").append(svc.protocol().name().toLowerCase(java.util.Locale.ROOT))
                    .append("\">\n");
            b.append("      <hostname>").append(xml(s.hostname())).append("</hostname>\n");
            b.append("      <port>").append(s.ports().get(svc)).append("</port>\n");
            b.append("      <socketType>").append(svc.security().name()).append("</socketType>\n");
            // Thunderbird substitutes the address the user typed; every Tegami login is the full address.
            b.append("      <username>%EMAILADDRESS%</username>\n");
            b.append("      <authentication>password-cleartext</authentication>\n");
            b.append("    </").append(element).append(">\n");
        }
        b.append("  </emailProvider>\n");
        b.append("</clientConfig>\n");
        return b.toString();
    }

    /**
     * The Outlook POX Autodiscover response (MS-OXDSCLI §2.2.4), one {@code Protocol} per enabled service in
     * preference order; Outlook takes the first of each type.
     */
    public static String autodiscoverPox(ClientSettings s, EmailAddress address) {
        String email = xml(address.localPart() + "@" + address.domain());
        StringBuilder b = new StringBuilder();
        b.append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        b.append("<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">\n");
        b.append("  <Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a\">\n");
        b.append("    <Account>\n");
        b.append("      <AccountType>email</AccountType>\n");
        b.append("      <Action>settings</Action>\n");
        for (Service svc : s.enabled()) {
            b.append("      <Protocol>\n");
            b.append("        <Type>").append(svc.protocol().name()).append("</Type>\n");
            b.append("        <Server>").append(xml(s.hostname())).append("</Server>\n");
            b.append("        <Port>").append(s.ports().get(svc)).append("</Port>\n");
            b.append("        <LoginName>").append(email).append("</LoginName>\n");
            b.append("        <DomainRequired>off</DomainRequired>\n");
            b.append("        <SPA>off</SPA>\n");
            b.append("        <SSL>on</SSL>\n");
            // Encryption overrides SSL: "SSL" is implicit TLS, "TLS" is STARTTLS.
            b.append("        <Encryption>").append(svc.security() == Security.SSL ? "SSL" : "TLS").append("</Encryption>\n");
            b.append("        <AuthRequired>on</AuthRequired>\n");
            b.append("      </Protocol>\n");
        }
        b.append("    </Account>\n");
        b.append("  </Response>\n");
        b.append("</Autodiscover>\n");
        return b.toString();
    }

    /** The Autodiscover v2 answer that sends Outlook on to the POX endpoint of this host. */
    public static String autodiscoverJson(String hostname) {
        return "{\"Protocol\":\"AutodiscoverV1\",\"Url\":\"https://" + json(hostname) + "/autodiscover/autodiscover.xml\"}";
    }

    /** The Autodiscover v2 error for a protocol other than AutodiscoverV1 (Tegami has no EWS or ActiveSync). */
    public static String autodiscoverJsonError(String protocol) {
        return "{\"ErrorCode\":\"InvalidProtocol\",\"ErrorMessage\":\"The given protocol value '" + json(protocol)
                + "' is invalid. Supported values are 'AutodiscoverV1'\"}";
    }

    /**
     * The {@code <EMailAddress>} of a POX Autodiscover request, or empty when the body is not such a request.
     * DTDs and external entities are refused: the body comes from anyone on the internet.
     */
    public static Optional<String> poxRequestEmail(byte[] body) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            var builder = f.newDocumentBuilder();
            builder.setErrorHandler(new org.xml.sax.helpers.DefaultHandler()); // no "[Fatal Error]" lines on stderr
            var doc = builder.parse(new ByteArrayInputStream(body));
            NodeList nodes = doc.getElementsByTagNameNS("*", "EMailAddress");
            if (nodes.getLength() == 0) return Optional.empty();
            return Optional.of(nodes.item(0).getTextContent().strip());
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /**
     * An unsigned Apple configuration profile with one {@code com.apple.mail.managed} payload: the preferred
     * incoming service (IMAP or POP) and the preferred submission service. UUIDs derive from the address so
     * installing the profile again replaces the account instead of duplicating it.
     */
    public static String mobileconfig(ClientSettings s, EmailAddress address) {
        String email = address.localPart() + "@" + address.domain();
        List<Service> in = s.incoming();
        List<Service> out = s.outgoing();
        String reversed = String.join(".", reverse(address.domain().split("\\.")));
        StringBuilder b = new StringBuilder();
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.append("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n");
        b.append("<plist version=\"1.0\">\n<dict>\n");
        b.append("  <key>PayloadContent</key>\n  <array>\n    <dict>\n");
        String p = "      ";
        string(b, p, "EmailAccountDescription", email);
        string(b, p, "EmailAccountName", email);
        string(b, p, "EmailAddress", email);
        if (!in.isEmpty()) {
            Service i = in.getFirst();
            string(b, p, "EmailAccountType", i.protocol() == Protocol.IMAP ? "EmailTypeIMAP" : "EmailTypePOP");
            string(b, p, "IncomingMailServerAuthentication", "EmailAuthPassword");
            string(b, p, "IncomingMailServerHostName", s.hostname());
            integer(b, p, "IncomingMailServerPortNumber", s.ports().get(i));
            // Apple has no STARTTLS flag: UseSSL means "require TLS", the port decides implicit or STARTTLS.
            bool(b, p, "IncomingMailServerUseSSL", true);
            string(b, p, "IncomingMailServerUsername", email);
        }
        if (!out.isEmpty()) {
            Service o = out.getFirst();
            string(b, p, "OutgoingMailServerAuthentication", "EmailAuthPassword");
            string(b, p, "OutgoingMailServerHostName", s.hostname());
            integer(b, p, "OutgoingMailServerPortNumber", s.ports().get(o));
            bool(b, p, "OutgoingMailServerUseSSL", true);
            string(b, p, "OutgoingMailServerUsername", email);
            bool(b, p, "OutgoingPasswordSameAsIncomingPassword", true);
        }
        string(b, p, "PayloadDescription", "Mail account " + email);
        string(b, p, "PayloadDisplayName", email);
        string(b, p, "PayloadIdentifier", "org.tegami.mail." + reversed + ".account." + uuid("account:" + email));
        string(b, p, "PayloadType", "com.apple.mail.managed");
        string(b, p, "PayloadUUID", uuid("account:" + email));
        integer(b, p, "PayloadVersion", 1);
        b.append("    </dict>\n  </array>\n");
        p = "  ";
        string(b, p, "PayloadDescription", "Sets up the mail account " + email + " on " + s.hostname());
        string(b, p, "PayloadDisplayName", "Mail: " + email);
        string(b, p, "PayloadIdentifier", "org.tegami.mail." + reversed + "." + uuid("profile:" + email));
        bool(b, p, "PayloadRemovalDisallowed", false);
        string(b, p, "PayloadType", "Configuration");
        string(b, p, "PayloadUUID", uuid("profile:" + email));
        integer(b, p, "PayloadVersion", 1);
        b.append("</dict>\n</plist>\n");
        return b.toString();
    }

    private static String[] reverse(String[] a) {
        String[] r = new String[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[a.length - 1 - i];
        return r;
    }

    private static String uuid(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString().toUpperCase(java.util.Locale.ROOT);
    }

    private static void string(StringBuilder b, String indent, String key, String value) {
        b.append(indent).append("<key>").append(key).append("</key>\n");
        b.append(indent).append("<string>").append(xml(value)).append("</string>\n");
    }

    private static void integer(StringBuilder b, String indent, String key, int value) {
        b.append(indent).append("<key>").append(key).append("</key>\n");
        b.append(indent).append("<integer>").append(value).append("</integer>\n");
    }

    private static void bool(StringBuilder b, String indent, String key, boolean value) {
        b.append(indent).append("<key>").append(key).append("</key>\n");
        b.append(indent).append(value ? "<true/>" : "<false/>").append('\n');
    }

    /**
     * Escapes text for XML element content and attribute values. Characters XML 1.0 cannot carry at all
     * (most C0 controls, lone surrogates) are refused rather than silently dropped.
     */
    public static String xml(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> {
                    // XML 1.0 §2.2 Char production.
                    boolean ok = c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD)
                            || (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)));
                    if (!ok) throw new IllegalArgumentException("character U+" + Integer.toHexString(c) + " cannot appear in XML");
                    b.append(c);
                    if (Character.isHighSurrogate(c)) b.append(s.charAt(++i));
                }
            }
        }
        return b.toString();
    }

    private static String json(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
