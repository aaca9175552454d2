package org.tegami.imap.proto;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** LIST with LIST-EXTENDED (RFC 5258 §6), LIST-STATUS (RFC 5819 §6) and SPECIAL-USE (RFC 6154 §6)
 * and LIST-MYRIGHTS (RFC 8440). */
final class ListParser {
    private static final Set<String> SELECT = Set.of("SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE");

    private ListParser() {}

    static ImapCommand list(ImapLexer lx) throws IOException, ImapSyntaxException {
        lx.sp();
        Set<String> select = new LinkedHashSet<>();
        if (lx.tryOpen()) {
            if (!lx.tryClose()) {
                do {
                    String opt = lx.atom().toUpperCase(Locale.ROOT);
                    if (!SELECT.contains(opt)) throw lx.error("Unknown LIST selection option");
                    select.add(opt);
                } while (lx.tryChar(' '));
                lx.close();
            }
            // RFC 5258 §3.1: RECURSIVEMATCH needs a base option to recurse on
            if (select.contains("RECURSIVEMATCH") && !select.contains("SUBSCRIBED") && !select.contains("SPECIAL-USE")) {
                throw lx.error("RECURSIVEMATCH requires another selection option");
            }
            lx.sp();
        }
        String reference = lx.astring();
        lx.sp();
        List<String> patterns = new ArrayList<>();
        if (lx.tryOpen()) {
            do {
                patterns.add(lx.listMailbox());
            } while (lx.tryChar(' '));
            lx.close();
        } else {
            patterns.add(lx.listMailbox());
        }
        ImapCommand.ReturnOptions returns = ImapCommand.ReturnOptions.NONE;
        if (lx.tryChar(' ')) {
            if (!lx.atom().equalsIgnoreCase("RETURN")) throw lx.error("Expected RETURN");
            lx.sp();
            returns = returnOptions(lx);
        }
        return ImapParser.end(lx, new ImapCommand.ListCmd(reference, patterns, select, returns));
    }

    private static ImapCommand.ReturnOptions returnOptions(ImapLexer lx) throws ImapSyntaxException {
        boolean subscribed = false;
        boolean children = false;
        boolean specialUse = false;
        boolean myRights = false;
        List<String> status = List.of();
        lx.open();
        if (!lx.tryClose()) {
            do {
                String opt = lx.atom().toUpperCase(Locale.ROOT);
                switch (opt) {
                    case "SUBSCRIBED" -> subscribed = true;
                    case "CHILDREN" -> children = true;
                    case "SPECIAL-USE" -> specialUse = true;
                    case "MYRIGHTS" -> myRights = true; // RFC 8440 §3
                    case "STATUS" -> {
                        lx.sp();
                        status = ImapParser.statusItems(lx);
                    }
                    default -> throw lx.error("Unknown LIST return option");
                }
            } while (lx.tryChar(' '));
            lx.close();
        }
        return new ImapCommand.ReturnOptions(subscribed, children, specialUse, status, myRights);
    }
}
