package org.tegami.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.tegami.smtp.proto.SmtpCommand;
import org.tegami.smtp.proto.SmtpParser;
import org.tegami.smtp.proto.SmtpSyntaxException;

/**
 * Cost of parsing the commands of one SMTP transaction (strict UTF-8 decoding, path and parameter checks).
 * Run: {@code java -jar bench/target/benchmarks.jar SmtpParserBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SmtpParserBenchmark {
    private final byte[] mail = "MAIL FROM:<alice.sender@example.com> SIZE=10240 BODY=8BITMIME".getBytes(StandardCharsets.UTF_8);
    private final byte[] rcpt = "RCPT TO:<bob+tag@example.org>".getBytes(StandardCharsets.UTF_8);

    @Benchmark
    public SmtpCommand mailFrom() throws SmtpSyntaxException {
        return SmtpParser.parse(mail);
    }

    @Benchmark
    public SmtpCommand rcptTo() throws SmtpSyntaxException {
        return SmtpParser.parse(rcpt);
    }
}
