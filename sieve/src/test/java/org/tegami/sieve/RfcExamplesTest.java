package org.tegami.sieve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.tegami.sieve.Fixture.assertActions;
import static org.tegami.sieve.Fixture.fileinto;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The examples the extension RFCs give (some shortened), run against messages that take each branch. */
class RfcExamplesTest {
    private final Fixture f = new Fixture();

    private Result envelopeTo(String script, String to) {
        SieveMessage m = RawSieveMessage.of("Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII),
                "someone@example.org", to, 1000);
        return f.run(script, m);
    }

    @Test
    void rfc5233Subaddress() {
        String s = """
                require ["envelope", "subaddress", "fileinto"];
                # In this example the same user account receives mail for both
                # "ken@example.com" and "postmaster@example.com"
                # File all messages to postmaster into a single mailbox,
                # ignoring the :detail part.
                if envelope :user "to" "postmaster" {
                    fileinto "inbox.postmaster";
                    stop;
                }
                # File mailing list messages (subscribed as "ken+mta-filters").
                if envelope :detail "to" "mta-filters" {
                    fileinto "inbox.ietf-mta-filters";
                }
                # Redirect all mail sent to "ken+foo".
                if envelope :detail "to" "foo" {
                    redirect "ken@example.net";
                }
                """;
        assertActions(envelopeTo(s, "postmaster+foo@example.com"), fileinto("inbox.postmaster"));
        assertActions(envelopeTo(s, "ken+mta-filters@example.com"), fileinto("inbox.ietf-mta-filters"));
        assertActions(envelopeTo(s, "ken+foo@example.com"), new Action.Redirect("ken@example.net", false));
        assertActions(envelopeTo(s, "ken@example.com"));
    }

    @Test
    void rfc3894Copy() {
        String s = """
                require ["copy", "fileinto"];
                if header :contains "subject" "version" {
                    fileinto :copy "versions";
                }
                redirect :copy "other@example.net";
                """;
        Result r = f.ok(s);
        assertActions(r, new Action.FileInto("versions", List.of(), false, true), new Action.Redirect("other@example.net", true));
        assertEquals(true, r.implicitKeep());
    }

    @Test
    void rfc5235Spamtest() {
        String s = """
                require ["spamtest", "fileinto", "relational", "comparator-i;ascii-numeric"];
                if spamtest :value "eq" :comparator "i;ascii-numeric" "0" {
                    fileinto "INBOX.unclassified";
                }
                elsif spamtest :value "ge" :comparator "i;ascii-numeric" "3" {
                    fileinto "INBOX.spam-trap";
                }
                """;
        assertActions(f.ok(s), fileinto("INBOX.unclassified"));
        f.spam = OptionalDouble.of(0.3);
        assertActions(f.ok(s), fileinto("INBOX.spam-trap"));
        f.spam = OptionalDouble.of(0.1);
        assertActions(f.ok(s));
    }

    @Test
    void rfc5235Spamtestplus() {
        String s = """
                require ["spamtestplus", "fileinto", "relational", "comparator-i;ascii-numeric"];
                if spamtest :value "eq" :comparator "i;ascii-numeric" "0" {
                    fileinto "INBOX.unclassified";
                }
                elsif spamtest :percent :value "eq" :comparator "i;ascii-numeric" "0" {
                    fileinto "INBOX.not-spam";
                }
                elsif spamtest :percent :value "lt" :comparator "i;ascii-numeric" "37" {
                    fileinto "INBOX.spam-trap";
                }
                else {
                    discard;
                }
                """;
        assertActions(f.ok(s), fileinto("INBOX.unclassified"));
        f.spam = OptionalDouble.of(0.0);
        assertActions(f.ok(s), fileinto("INBOX.not-spam"));
        f.spam = OptionalDouble.of(0.2);
        assertActions(f.ok(s), fileinto("INBOX.spam-trap"));
        f.spam = OptionalDouble.of(0.9);
        assertActions(f.ok(s), new Action.Discard());
    }

    @Test
    void rfc5235Virustest() {
        String s = """
                require ["virustest", "fileinto", "relational", "comparator-i;ascii-numeric"];
                if virustest :value "eq" :comparator "i;ascii-numeric" "0" {
                    fileinto "INBOX.unscanned";
                }
                elsif virustest :value "eq" :comparator "i;ascii-numeric" "4" {
                    fileinto "INBOX.quarantine";
                }
                elsif virustest :value "eq" :comparator "i;ascii-numeric" "5" {
                    discard;
                }
                """;
        assertActions(f.ok(s), fileinto("INBOX.unscanned"));
        f.virus = OptionalInt.of(4);
        assertActions(f.ok(s), fileinto("INBOX.quarantine"));
        f.virus = OptionalInt.of(5);
        assertActions(f.ok(s), new Action.Discard());
        f.virus = OptionalInt.of(1);
        assertActions(f.ok(s));
    }

    @Test
    void rfc7352Duplicate() {
        String trash = """
                require ["duplicate", "fileinto", "mailbox"];
                if duplicate {
                    fileinto :create "Trash/Duplicate";
                }
                """;
        assertActions(f.ok(trash));
        f.seen.add("|<1234@desert.example.org>");
        assertActions(f.ok(trash), new Action.FileInto("Trash/Duplicate", List.of(), true, false));
        String alerts = """
                require ["duplicate", "variables", "imap4flags", "fileinto"];
                if header :matches "subject" "ALERT: *" {
                    if duplicate :seconds 60 :uniqueid "${1}" {
                        setflag "\\\\seen";
                    }
                    fileinto "Alerts";
                }
                """;
        String alert = "Subject: ALERT: disk full\r\n\r\nx\r\n";
        assertActions(f.run(alerts, alert), fileinto("Alerts"));
        f.seen.add("|disk full");
        assertActions(f.run(alerts, alert), new Action.FileInto("Alerts", List.of("\\seen"), false, false));
    }

    @Test
    void rfc5490Mailbox() {
        String s = """
                require ["fileinto", "reject", "mailbox"];
                if mailboxexists "Partners" {
                    fileinto "Partners";
                } else {
                    reject "This message was not accepted by the Mailstore";
                }
                """;
        assertActions(f.ok(s), new Action.Reject("This message was not accepted by the Mailstore"));
        f.mailboxes.add("Partners");
        assertActions(f.ok(s), fileinto("Partners"));
    }

    @Test
    void rfc5429RejectAndEreject() {
        String big = """
                require ["reject"];

                if size :over 100K {
                    reject text:
                Your message is too big.  If you want to send me a big attachment,
                put it on a public web site and send me a URL.
                .
                ;
                }
                """;
        assertActions(f.ok(big));
        String large = "Subject: big\r\n\r\n" + "x".repeat(120 * 1024) + "\r\n";
        assertActions(f.run(big, large), new Action.Reject("Your message is too big.  If you want to send me a big attachment,\r\n"
                + "put it on a public web site and send me a URL.\r\n"));
        String ereject = """
                require ["ereject"];

                if header :contains "from" "coyote@desert.example.org" {
                    ereject "I am not taking mail from you, and I don't
                    want your birdseed, either!";
                }
                """;
        Action.Ereject e = (Action.Ereject) f.ok(ereject).actions().get(0);
        assertEquals(true, e.reason().startsWith("I am not taking mail from you, and I don't\n"));
    }

    @Test
    void rfc5463Ihave() {
        String s = """
                require "ihave";
                if not ihave "fileinto" {
                    keep;
                }
                if ihave ["fileinto", "envelope"] {
                    if envelope :is "to" "user-spam@example.com" {
                        fileinto "spam";
                    }
                }
                """;
        assertActions(envelopeTo(s, "user-spam@example.com"), fileinto("spam"));
        assertActions(envelopeTo(s, "user@example.com"));
    }

    @Test
    void rfc5183Environment() {
        String s = """
                require ["environment", "fileinto", "variables"];
                if environment :matches "domain" "*" {
                    fileinto "seen-by-${1}";
                }
                if environment :is "location" "MDA" {
                    fileinto "delivered";
                }
                """;
        assertActions(f.ok(s), fileinto("seen-by-example.com"), fileinto("delivered"));
    }
}
