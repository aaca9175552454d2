package org.tegami.delivery.report;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.List;
import org.tegami.store.Store;
import org.tegami.store.TlsReportStore;

/**
 * Keeps a summary of each TLS report (RFC 8460 §5.3) mailed to one of our addresses, for {@code tegami tls-report}.
 * Called after the message is stored and acknowledged, so it never changes the delivery: a message that is not a
 * report costs a look at its header section, a broken report a log line.
 */
public final class TlsReportIntake {
    private static final Logger LOG = System.getLogger(TlsReportIntake.class.getName());

    /** The message, opened again as often as needed. */
    @FunctionalInterface
    public interface Source {
        InputStream open() throws IOException;
    }

    private TlsReportIntake() {}

    /**
     * Looks at a delivered message.
     *
     * @param head the start of the message (its header section, or at least its Content-Type field)
     * @param size the message's size in bytes
     */
    public static void take(Store store, byte[] head, long size, Source message, Instant now) {
        try {
            if (!TlsReportReader.mightBeReport(head) || size > TlsReportReader.MAX_MESSAGE) return;
            byte[] raw;
            try (InputStream in = message.open()) {
                raw = in.readNBytes(TlsReportReader.MAX_MESSAGE + 1);
            }
            switch (TlsReportReader.read(raw)) {
                case TlsReportReader.Result.NotAReport n -> { }
                case TlsReportReader.Result.Bad b -> LOG.log(Level.INFO, "TLS report not kept: " + b.reason());
                case TlsReportReader.Result.Ok ok -> {
                    TlsReportReader.Report r = ok.report();
                    List<TlsReportStore.Received> rows = r.policies().stream().map(p -> new TlsReportStore.Received(now,
                            r.organization(), r.reportId(), r.begin(), r.end(), p.domain(), p.type(), p.success(),
                            p.failure(), p.failureTypes())).toList();
                    store.tlsReports().addReceived(rows);
                    LOG.log(Level.INFO, "TLS report " + r.reportId() + " from " + r.organization() + " kept: "
                            + rows.size() + " policies");
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "TLS report not kept: " + e);
        }
    }
}
