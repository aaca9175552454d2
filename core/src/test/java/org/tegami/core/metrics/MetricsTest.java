package org.tegami.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tegami.core.log.LogContext;

class MetricsTest {

    /** Records every call as "family op amount labels". */
    static final class Recording implements Metrics.Sink {
        final List<String> calls = new ArrayList<>();

        @Override
        public synchronized void add(Metrics.Family f, double amount, String... labels) {
            calls.add(f.metricName() + " add " + amount + " " + String.join(",", labels));
        }

        @Override
        public synchronized void set(Metrics.Family f, double value, String... labels) {
            calls.add(f.metricName() + " set " + value + " " + String.join(",", labels));
        }

        @Override
        public synchronized void observe(Metrics.Family f, double value, String... labels) {
            calls.add(f.metricName() + " observe " + value + " " + String.join(",", labels));
        }
    }

    private final Recording sink = new Recording();

    @AfterEach
    void off() {
        Metrics.uninstall(sink);
        LogContext.clear();
    }

    @Test
    void withoutASinkNothingIsCountedAndNothingFails() {
        assertFalse(Metrics.enabled());
        Metrics.connectionOpened("smtp");
        Metrics.imapCommand("fetch", 1000);
        assertTrue(sink.calls.isEmpty());
    }

    @Test
    void labelValuesOutsideTheFixedSetsBecomeOther() {
        Metrics.install(sink);
        Metrics.connectionOpened("smtp");
        Metrics.connectionOpened("alice@example.test");
        Metrics.connectionClosed("smtp");
        Metrics.tlsHandshake("imaps", "TLSv1.3");
        Metrics.tlsHandshake("imaps", "SSLv3");
        Metrics.imapCommand("listcmd", 2_000_000);
        Metrics.imapCommand("xyzzy\r\n* OK", 0);
        Metrics.outboundDelivery("delivered");
        Metrics.outboundDelivery("550 no such user");
        Metrics.inboundVerdict("spf", "SoftFail");
        Metrics.inboundVerdict("arc", "pass; smtp.mailfrom=x");
        Metrics.smtpMessage(250);
        Metrics.smtpMessage(451);
        Metrics.smtpMessage(554);
        assertEquals(List.of(
                "tegami_connections_total add 1.0 smtp",
                "tegami_connections_open add 1.0 smtp",
                "tegami_connections_total add 1.0 other",
                "tegami_connections_open add 1.0 other",
                "tegami_connections_open add -1.0 smtp",
                "tegami_tls_handshakes_total add 1.0 imaps,TLSv1.3",
                "tegami_tls_handshakes_total add 1.0 imaps,other",
                "tegami_imap_commands_total add 1.0 list",
                "tegami_imap_command_seconds observe 0.002 list",
                "tegami_imap_commands_total add 1.0 other",
                "tegami_imap_command_seconds observe 0.0 other",
                "tegami_outbound_deliveries_total add 1.0 delivered",
                "tegami_outbound_deliveries_total add 1.0 other",
                "tegami_inbound_verdicts_total add 1.0 spf,softfail",
                "tegami_inbound_verdicts_total add 1.0 other,other",
                "tegami_smtp_messages_total add 1.0 other,accepted",
                "tegami_smtp_messages_total add 1.0 other,tempfail",
                "tegami_smtp_messages_total add 1.0 other,rejected"), sink.calls);
    }

    @Test
    void authAndSmtpCountsTakeTheServiceOfTheConnectionThisThreadServes() {
        Metrics.install(sink);
        LogContext.connection("submissions", "c1");
        Metrics.authAttempt("success");
        Metrics.smtpMessage(250);
        LogContext.connection("imaps", "c2");
        Metrics.authAttempt("throttled");
        Metrics.authAttempt("guess");
        LogContext.clear();
        Metrics.authAttempt("failure");
        assertEquals(List.of(
                "tegami_auth_attempts_total add 1.0 smtp,success",
                "tegami_smtp_messages_total add 1.0 submissions,accepted",
                "tegami_auth_attempts_total add 1.0 imap,throttled",
                "tegami_auth_attempts_total add 1.0 imap,other",
                "tegami_auth_attempts_total add 1.0 other,failure"), sink.calls);
    }
}
