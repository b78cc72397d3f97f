package io.istziio.server.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.FieldRepetitionType;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Type;
import org.junit.jupiter.api.Test;

class FooterCheckTest {

  private static FileMetaData footer(long offset, long length) {
    ColumnMetaData column = new ColumnMetaData(Type.INT64, List.of(Encoding.PLAIN), List.of("x"),
        CompressionCodec.UNCOMPRESSED, 1, length, length, offset);
    ColumnChunk chunk = new ColumnChunk(offset);
    chunk.setMeta_data(column);
    SchemaElement root = new SchemaElement("schema");
    root.setNum_children(1);
    SchemaElement x = new SchemaElement("x");
    x.setType(Type.INT64);
    x.setRepetition_type(FieldRepetitionType.OPTIONAL);
    return new FileMetaData(1, List.of(root, x), 1,
        List.of(new RowGroup(List.of(chunk), length, 1)));
  }

  @Test
  void aChunkWhoseEndOverflowsIsOutsideTheFile() {
    FlightRuntimeException e = assertThrows(FlightRuntimeException.class,
        () -> FooterCheck.check(footer(Long.MAX_VALUE - 10, 100), 1_000, "s3://b/k.parquet"));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    assertTrue(e.getMessage().contains("outside the file"), e.getMessage());
  }

  @Test
  void aChunkInsideTheFilePasses() {
    FooterCheck.check(footer(4, 100), 1_000, "s3://b/k.parquet");
  }
}
