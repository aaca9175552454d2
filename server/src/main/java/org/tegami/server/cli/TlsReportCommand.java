package org.tegami.server.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.stream.Collectors;
import org.tegami.store.Store;
import org.tegami.store.TlsReportStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tegami tls-report [--days N]}: the TLS reports (RFC 8460) other mail servers sent to our {@code rua}
 * addresses, one line per report and policy: who sent it, the days it covers, the policy, sessions that succeeded
 * and failed, and the failures by result type.
 */
@Command(name = "tls-report", mixinStandardHelpOptions = true,
        description = {"Show the TLS reports (RFC 8460) other servers sent about delivering to our domains.",
                "Reports mailed to an address of ours (the rua= of _smtp._tls, see `tegami dns`) are summarised at delivery."})
public final class TlsReportCommand implements Runnable {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    @Mixin Cli.ConfigOption config;

    @Option(names = "--days", paramLabel = "N", defaultValue = "30",
            description = "Reports received in the last N days (default: ${DEFAULT-VALUE}).")
    int days;

    @Override
    public void run() {
        if (days < 1 || days > 36_600) throw new IllegalArgumentException("--days must be 1 to 36600");
        try (Store s = config.openStore()) {
            List<TlsReportStore.Received> all = s.tlsReports().received(Instant.now().minus(Duration.ofDays(days)));
            System.out.print(format(all, days));
        }
    }

    /** The table printed for {@code rows}. */
    static String format(List<TlsReportStore.Received> rows, int days) {
        if (rows.isEmpty()) return "no TLS reports received in the last " + days + " days\n";
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-10s %-23s %-30s %-24s %-15s %9s %8s  %s%n", "RECEIVED", "PERIOD", "ORGANIZATION",
                "POLICY DOMAIN", "POLICY", "SUCCESSES", "FAILURES", "FAILURE TYPES"));
        for (TlsReportStore.Received r : rows) {
            String period = DAY.format(r.begin()) + ".." + DAY.format(r.end());
            String types = r.failureTypes().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(", "));
            sb.append(String.format("%-10s %-23s %-30s %-24s %-15s %9d %8d  %s%n", DAY.format(r.received()), period,
                    r.organization(), r.policyDomain(), r.policyType(), r.success(), r.failure(), types.isEmpty() ? "-" : types));
        }
        return sb.toString();
    }
}
