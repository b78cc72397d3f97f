package io.istziio.server.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.istziio.client.protocol.ReadTicket.PartitionValue;
import java.util.List;
import org.junit.jupiter.api.Test;

class HivePartitioningTest {

  private static List<List<PartitionValue>> of(String... values) {
    return HivePartitioning.of(java.util.Arrays.stream(values)
        .map(v -> new DatasetFile("s3://b/t/k=" + v + "/f.parquet", "k=" + v + "/f.parquet", 1))
        .toList(), null);
  }

  private static PartitionValue int32(String value) {
    return new PartitionValue("k", PartitionValue.INT32, value);
  }

  /** pyarrow 25 casts the values to int32 as Arrow's cast does: 0x hex of 1 to 8 digits too. */
  @Test
  void hexValuesAreInt32AsPyarrowTypesThem() {
    assertEquals(List.of(List.of(int32("16")), List.of(int32("1")), List.of(int32("-1")),
        List.of(int32("-2147483648")), List.of(int32("31"))),
        of("0x10", "1", "0xFFFFFFFF", "0x80000000", "0X1f"));
    for (String notInt : List.of("-0x10", "0x", "0x0000000010", "+5", " 5", "2147483648")) {
      assertEquals(PartitionValue.STRING, of(notInt, "1").get(0).get(0).type(), notInt);
    }
    assertEquals(List.of(List.of(int32("12")), List.of(int32("-3"))), of("00012", "-3"));
  }
}
