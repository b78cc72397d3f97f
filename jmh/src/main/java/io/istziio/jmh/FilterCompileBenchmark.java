package io.istziio.jmh;

import io.istziio.client.data.SampleData;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.server.filter.RowFilter;
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

/**
 * What a filtered ticket costs the node before any data is read: parse the ticket, parse the
 * filter, check it against the file's schema and write the Substrait ExtendedExpression.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.nio=ALL-UNNAMED")
public class FilterCompileBenchmark {

  private static final byte[] TICKET = ("{\"path\": \"s3://bucket/part-0.parquet\", "
      + "\"columns\": [\"id\", \"name\"], \"filter\": \"(small > 400 OR name = 'name-3') AND NOT "
      + "flag AND day BETWEEN DATE '1970-01-05' AND DATE '1970-02-01' AND id IN (1, 2, 3, 5, 8)\"}")
      .getBytes(StandardCharsets.UTF_8);

  @Benchmark
  public RowFilter.Compiled parseAndCompile() {
    return RowFilter.of(ReadTicket.parse(TICKET)).compile(SampleData.SCHEMA);
  }
}
