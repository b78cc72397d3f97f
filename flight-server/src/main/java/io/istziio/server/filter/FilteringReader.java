package io.istziio.server.filter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryEncoder;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.TransferPair;

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

  /** Positions of the dictionary-encoded columns the filter reads, decoded before it runs. */
  private final int[] encoded;
  /** The scanned columns' fields, a dictionary-encoded one as its values. */
  private final List<Field> decodedFields;
  /** The ids of the dictionaries of the yielded columns (not of those only the filter reads). */
  private final Set<Long> dictionaryIds = new HashSet<>();

  private FilteringReader(BufferAllocator allocator, ArrowReader source, Schema scanned,
      BatchFilter filter, List<Integer> projection, int[] encoded, List<Field> decodedFields) {
    super(allocator);
    this.source = source;
    this.filter = filter;
    this.projection = projection;
    this.encoded = encoded;
    this.decodedFields = decodedFields;
    this.target = FilteredBatches.allocate(scanned, projection, allocator);
    target.getSchema().getFields().forEach(this::collectDictionaryIds);
  }

  private void collectDictionaryIds(Field field) {
    if (field.getDictionary() != null) {
      dictionaryIds.add(field.getDictionary().getId());
    }
    field.getChildren().forEach(this::collectDictionaryIds);
  }

  /**
   * The columns to scan: first the top-level columns the filter reads, each once, in the order the
   * filter names them, then the ticket's columns (top-level names or dotted paths, which the
   * scanner resolves) that are not among them. The filter's columns come first so that its names
   * find them in the scanned batches even when a selected struct field comes out under the same
   * name ("s.a" is column "a").
   *
   * @param requested the ticket's columns, or null for all
   */
  public static List<String> scanColumns(List<String> requested, BoundFilter filter) {
    if (requested == null) {
      return null;
    }
    List<String> columns = new ArrayList<>();
    for (BoundFilter.Field field : BoundFilter.fields(filter)) {
      if (!columns.contains(field.name())) {
        columns.add(field.name());
      }
    }
    for (String column : requested) {
      if (!columns.contains(column)) {
        columns.add(column);
      }
    }
    return columns;
  }

  /**
   * Filters {@code source}, a scan of {@link #scanColumns}.
   *
   * @param filter the ticket's filter, bound here to the schema of the source's batches (a
   *     dictionary-encoded column as its values, which the filter compares)
   * @param requested the ticket's columns, or null for all: the columns of the batches yielded
   * @param allocator for the yielded batches
   * @throws IOException if the source cannot give its schema
   */
  public static FilteringReader over(ArrowReader source, RowFilter filter, List<String> requested,
      BufferAllocator allocator) throws IOException {
    Schema scanned = source.getVectorSchemaRoot().getSchema();
    List<Field> decoded = new ArrayList<>();
    for (Field field : scanned.getFields()) {
      DictionaryEncoding encoding = field.getDictionary();
      decoded.add(encoding == null ? field : new Field(field.getName(),
          new FieldType(field.isNullable(), source.lookup(encoding.getId()).getVectorType(), null,
              field.getMetadata()), field.getChildren()));
    }
    BoundFilter bound = filter.bind(new Schema(decoded, scanned.getCustomMetadata()));
    List<String> columns = scanColumns(requested, bound);
    List<Integer> projection = columns == null
        ? IntStream.range(0, scanned.getFields().size()).boxed().toList()
        : requested.stream().map(columns::indexOf).toList();
    int[] encoded = BoundFilter.fields(bound).stream().mapToInt(BoundFilter.Field::index)
        .filter(i -> scanned.getFields().get(i).getDictionary() != null).distinct().toArray();
    return new FilteringReader(allocator, source, scanned, BatchFilter.compile(bound), projection,
        encoded, decoded);
  }

  @Override
  public VectorSchemaRoot getVectorSchemaRoot() {
    return target;
  }

  @Override
  public boolean loadNextBatch() throws IOException {
    while (source.loadNextBatch()) {
      VectorSchemaRoot batch = source.getVectorSchemaRoot();
      int[] selected = select(batch);
      if (selected.length > 0) {
        FilteredBatches.fill(batch, selected, projection, target);
        return true;
      }
    }
    return false;
  }

  /** The filter's rows of {@code batch}, with the dictionary-encoded columns it reads decoded. */
  private int[] select(VectorSchemaRoot batch) {
    if (encoded.length == 0) {
      return filter.select(batch);
    }
    List<FieldVector> vectors = new ArrayList<>(batch.getFieldVectors());
    List<FieldVector> decoded = new ArrayList<>(encoded.length);
    try {
      for (int i : encoded) {
        FieldVector indices = vectors.get(i);
        Dictionary dictionary = source.lookup(indices.getField().getDictionary().getId());
        try (ValueVector values = DictionaryEncoder.decode(indices, dictionary, allocator)) {
          TransferPair transfer = values.getTransferPair(decodedFields.get(i), allocator);
          transfer.transfer();
          decoded.add((FieldVector) transfer.getTo());
          vectors.set(i, (FieldVector) transfer.getTo());
        }
      }
      // A view of the batch's vectors: not owned, so not closed.
      return filter.select(new VectorSchemaRoot(decodedFields, vectors, batch.getRowCount()));
    } finally {
      decoded.forEach(FieldVector::close);
    }
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
    Map<Long, Dictionary> all = source.getDictionaryVectors();
    Map<Long, Dictionary> yielded = new HashMap<>();
    dictionaryIds.forEach(id -> yielded.put(id, all.get(id)));
    return yielded;
  }

  @Override
  public Set<Long> getDictionaryIds() {
    return Set.copyOf(dictionaryIds);
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
