package io.istziio.server.filter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The disk path's filter for what the native scanner must not run (see {@link ColumnKind#isNative}):
 * reads the batches of an unfiltered scan of the projected and the filter's columns, and yields
 * only the rows {@link BatchFilter} selects, of the projected columns. Batches with no selected
 * row are not yielded. Dictionaries are the source's.
 *
 * <p>Typical use: scan {@link #scanColumns} of the file, then wrap the scan's reader with
 * {@link #over}; close this reader, then the scan.
 */
public final class FilteringReader extends ArrowReader {

  private final ArrowReader source;
  private final BatchFilter filter;
  private final List<Integer> projection;
  private final VectorSchemaRoot target;

  private FilteringReader(BufferAllocator allocator, ArrowReader source, Schema scanned,
      BatchFilter filter, List<Integer> projection) {
    super(allocator);
    this.source = source;
    this.filter = filter;
    this.projection = projection;
    this.target = FilteredBatches.allocate(scanned, projection, allocator);
  }

  /**
   * The columns to scan: those of the file that the projection or the filter names, in file
   * order, each once.
   *
   * @param requested the ticket's columns, or null for all
   */
  public static List<String> scanColumns(Schema fileSchema, List<String> requested, BoundFilter filter) {
    if (requested == null) {
      return null;
    }
    List<String> wanted = new ArrayList<>(requested);
    BoundFilter.fields(filter).forEach(field -> wanted.add(field.name()));
    List<String> columns = new ArrayList<>();
    for (Field field : fileSchema.getFields()) {
      if (wanted.contains(field.getName()) && !columns.contains(field.getName())) {
        columns.add(field.getName());
      }
    }
    return columns;
  }

  /**
   * Filters {@code source}, a scan of {@link #scanColumns}.
   *
   * @param filter the ticket's filter, bound here to the schema of the source's batches
   * @param requested the ticket's columns, or null for all: the columns of the batches yielded
   * @param allocator for the yielded batches
   * @throws IOException if the source cannot give its schema
   */
  public static FilteringReader over(ArrowReader source, RowFilter filter, List<String> requested,
      BufferAllocator allocator) throws IOException {
    Schema scanned = source.getVectorSchemaRoot().getSchema();
    BatchFilter batchFilter = BatchFilter.compile(filter.bind(scanned));
    List<String> names = scanned.getFields().stream().map(Field::getName).toList();
    List<Integer> projection = requested == null
        ? IntStream.range(0, names.size()).boxed().toList()
        : requested.stream().map(names::indexOf).toList();
    return new FilteringReader(allocator, source, scanned, batchFilter, projection);
  }

  @Override
  public VectorSchemaRoot getVectorSchemaRoot() {
    return target;
  }

  @Override
  public boolean loadNextBatch() throws IOException {
    while (source.loadNextBatch()) {
      VectorSchemaRoot batch = source.getVectorSchemaRoot();
      int[] selected = filter.select(batch);
      if (selected.length > 0) {
        FilteredBatches.fill(batch, selected, projection, target);
        return true;
      }
    }
    return false;
  }

  @Override
  public long bytesRead() {
    return source.bytesRead();
  }

  @Override
  public Dictionary lookup(long id) {
    return source.lookup(id);
  }

  @Override
  public Map<Long, Dictionary> getDictionaryVectors() throws IOException {
    return source.getDictionaryVectors();
  }

  @Override
  public Set<Long> getDictionaryIds() {
    return source.getDictionaryIds();
  }

  @Override
  protected void closeReadSource() throws IOException {
    try {
      AutoCloseables.close(target);
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  @Override
  protected Schema readSchema() {
    return target.getSchema();
  }
}
