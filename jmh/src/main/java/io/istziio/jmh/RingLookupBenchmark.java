package io.istziio.jmh;

import io.istziio.ring.Member;
import io.istziio.ring.RingView;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The owners of a path (primary and one replica) at 3, 10, 100 and 1,000 members, equal or mixed weights. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RingLookupBenchmark {

  @Param({"3", "10", "100", "1000"})
  public int members;

  @Param({"equal", "mixed"})
  public String weights;

  private RingView view;
  private String[] paths;
  private int next;

  @Setup
  public void setUp() {
    List<Member> list = IntStream.range(0, members)
        .mapToObj(i -> new Member("node-" + i, "grpc+tcp://10.0.0." + i + ":8815",
            weights.equals("equal") ? 1 : 1 + i % 3))
        .toList();
    view = RingView.of(1, list);
    SplittableRandom random = new SplittableRandom(7);
    paths = new String[1024];
    for (int i = 0; i < paths.length; i++) {
      paths[i] = "s3://warehouse/table/part-" + Long.toHexString(random.nextLong()) + ".parquet";
    }
  }

  @Benchmark
  public List<Member> owners() {
    next = (next + 1) & (paths.length - 1);
    return view.owners(paths[next], 2);
  }
}
