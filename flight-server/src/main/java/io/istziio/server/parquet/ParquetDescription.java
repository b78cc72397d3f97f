package io.istziio.server.parquet;

import java.util.List;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What GetFlightInfo tells of a Parquet object: its Arrow schema and its footer. A cached copy
 * ({@link ParquetFile}) and a footer read alone ({@link FooterDescription}) tell the same.
 */
public interface ParquetDescription {

  /** The object's Arrow schema, as Arrow's Parquet reader reads it from the footer. */
  Schema fileSchema();

  ParquetFooter footer();

  /**
   * The given columns resolved against {@link #fileSchema} (see {@link ColumnSelection}); the
   * whole file when {@code columns} is null.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT for a name that selects
   *     no field
   */
  ColumnSelection select(List<String> columns);
}
