package io.istziio.server.flight;

import io.istziio.client.protocol.ReadStats;
import io.istziio.server.calls.CallRecord;
import io.istziio.server.calls.MeteredListener;
import io.istziio.client.protocol.ReadTicket;
import io.istziio.client.protocol.ServedVersion;
import io.istziio.server.Errors;
import io.istziio.server.dataset.PartitionColumns;
import io.istziio.server.dataset.PartitionedRead;
import io.istziio.server.NodeConfig;
import io.istziio.server.memory.DecodedFile;
import io.istziio.server.memory.MemoryTier;
import io.istziio.server.cache.Lease;
import io.istziio.server.cache.ObjectCache;
import io.istziio.server.filter.FilteringReader;
import io.istziio.server.filter.RowFilter;
import io.istziio.server.filter.RowGroupPruner;
import io.istziio.server.parquet.ColumnSelection;
import io.istziio.server.parquet.ParquetFooter;
import io.istziio.server.parquet.ParquetFile;
import io.istziio.server.store.ObjectPath;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.flight.BackpressureStrategy;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DoGet: find the object through the cache, scan it, and send each batch as soon as the
 * scanner makes it and the client can take it. Waiting for the client's flow-control window before
 * every batch keeps at most one batch queued per stream, however slow the client; a client that
 * makes the stream wait {@link StreamSpool#SLOW_CLIENT_MILLIS} for a batch has the rest of its
 * rows spooled to disk and the scanner, with its native read-ahead, closed ({@link SpooledRows}).
 */
final class DoGetStream {

  private static final Logger LOG = LoggerFactory.getLogger(DoGetStream.class);

  /** How long a client may take no data before the node gives up on it. */
  private static final long IDLE_LIMIT_MILLIS = 10 * 60 * 1000;
  private static final long WAIT_SLICE_MILLIS = 30 * 1000;

  private final ReadTicket request;
  private final RowFilter filter;
  private final ObjectCache objects;
  private final MemoryTier memory;
  private final MemoryStreams memoryStreams;
  private final StreamSpool spool;
  private final BufferAllocator parent;
  private final NodeConfig.Serving serving;
  private final ServerStreamListener listener;
  /** A file ticket's partition columns; null for none. */
  private final PartitionedRead partitioned;
  /** Told how the cache answered. */
  private final CallRecord call;
  private final BackpressureStrategy backpressure = new BackpressureStrategy.CallbackBackpressureStrategy();

  /** The rows a slow client's stream decoded ahead, while it sends them; else null. */
  private SpooledRows spooled;
  /** Whether the scan is closed: its rows are all spooled. */
  private boolean scanClosed;

  private long scanNanos;
  private long sendNanos;
  private long rows;
  private long batches;
  private long bytes;

  /**
   * @param request the ticket, or a file ticket's own read ({@link PartitionedRead#file})
   * @param filter the ticket's predicate, already parsed; null for none
   * @param partitioned a file ticket's partition columns to append; null for none
   * @param call the call's record, told how the cache answered
   * @param spool where a slow client's rows are parked
   */
  DoGetStream(ReadTicket request, RowFilter filter, ObjectCache objects, MemoryTier memory,
      MemoryStreams memoryStreams, BufferAllocator parent, NodeConfig.Serving serving,
      ServerStreamListener listener, PartitionedRead partitioned, CallRecord call,
      StreamSpool spool) {
    this.spool = spool;
    this.partitioned = partitioned;
    this.call = call;
    this.memoryStreams = memoryStreams;
    this.request = request;
    this.filter = filter;
    this.objects = objects;
    this.memory = memory;
    this.parent = parent;
    this.serving = serving;
    this.listener = listener;
  }

  void run() {
    boolean ended = false; // completed() or error() was sent: the call is over
    try {
      ObjectPath path = ObjectPath.parse(request.path());
      try (Lease lease = objects.open(path, request.version())) {
        call.cache(outcome(lease));
        ParquetFile file = lease.attachment(local -> ParquetFile.open(parent, local, path.uri()));
        ColumnSelection selection = file.select(request.columns());
        if (partitioned != null) {
          partitioned.schema(selection.schema()); // refuses a partition column the file has too
          if (partitioned.none()) {
            sendEmpty(lease, file, selection);
            ended = true;
            listener.completed();
            return;
          }
        }
        // The memory tier holds whole top-level columns; fields inside structs are the scanner's.
        if (!selection.nested() && serveDecoded(lease, file)) {
          return;
        }
        RowFilter.Compiled compiled = filter != null ? filter.compile(file.fileSchema()) : null;
        boolean inJava = compiled != null && compiled.inJava();
        // A filter run in Java reads its columns too; they are dropped before sending.
        List<String> columns = inJava
            ? FilteringReader.scanColumns(request.columns(), compiled.bound())
            : request.columns();
        ColumnSelection scanned = inJava ? file.select(columns) : selection;
        try (ParquetFile.Scan scan = file.scan(columns,
                serving.rowsPerBatch(file.footer(), scanned.paths()),
                compiled != null ? compiled.substrait() : null);
            FilteringReader filtering = inJava
                ? FilteringReader.over(scan.reader(), filter, request.columns(), parent) : null) {
          if (stream(filtering != null ? filtering : scan.reader(), file, lease.key().etag(), scan)) {
            sendStats(lease, file.footer(), compiled);
            ended = true;
            listener.completed();
          } else {
            ended = true; // the client cancelled
          }
        }
      }
    } catch (Throwable t) {
      FlightRuntimeException error = Errors.toFlight(t, "DoGet " + request);
      if (ended) {
        LOG.error("DoGet {} failed after it was sent: {}", request, error.getMessage(), t);
      } else if (!listener.isCancelled()) {
        listener.error(error);
      }
    }
  }

  /**
   * Decodes the file into the memory tier (or joins a decode under way) and hands the request to
   * a memory stream, when the tier takes files like this one; false to scan the disk copy.
   */
  private boolean serveDecoded(Lease lease, ParquetFile file) {
    if (filter != null && !filter.isParsed()) {
      return false; // an outside Substrait expression: only the scanner runs it
    }
    long start = System.nanoTime();
    DecodedFile decoded = memory.read(lease, file);
    if (decoded == null) {
      return false;
    }
    MemoryStream.Origin origin = new MemoryStream.Origin(cacheOutcome(lease), lease.fetchNanos(),
        System.nanoTime() - start);
    return memoryStreams.start(decoded, origin, request, filter, partitioned, listener);
  }

  /** How the disk tier answered, for the request line. */
  static CallRecord.Cache outcome(Lease lease) {
    return switch (lease.outcome()) {
      case HIT -> CallRecord.Cache.DISK_HIT;
      case MISS -> CallRecord.Cache.MISS;
      case PEER -> CallRecord.Cache.PEER;
      case BYPASS -> CallRecord.Cache.BYPASS;
    };
  }

  private static String cacheOutcome(Lease lease) {
    return switch (lease.outcome()) {
      case HIT -> ReadStats.HIT;
      case MISS, PEER -> ReadStats.MISS; // the client's stats: a miss of this node either way
      case BYPASS -> ReadStats.BYPASS;
    };
  }

  /**
   * Sends every batch; false if the client went away first. The stream starts once the first
   * batch is loaded, so the dictionaries that Flight sends with the schema are that batch's (they
   * are empty before it); a later batch whose dictionary differs is preceded by a replacement. A
   * page that fails to decode ends the stream with the status of its cause (see
   * ParquetFile#scanFailure). The first batch carries the version it comes from
   * ({@link ServedVersion}).
   */
  private boolean stream(ArrowReader reader, ParquetFile file, String version, AutoCloseable scan)
      throws Exception {
    VectorSchemaRoot scanned = reader.getVectorSchemaRoot();
    // Batches are sent from a root of the stream's own, so that they can come from the scan or,
    // once it is closed, from a spool file.
    try (VectorSchemaRoot sent = VectorSchemaRoot.create(scanned.getSchema(), parent);
        PartitionColumns partition = partitioned != null ? partitioned.columns(parent) : null;
        AutoCloseable closeSpooled = () -> AutoCloseables.close(spooled)) {
      VectorSchemaRoot root = partition == null ? sent : partition.wrap(sent,
          partitioned.layout(sent.getSchema().getFields().size()));
      Source source = new Source(reader, file, scanned, sent, scan);
      return stream(source, reader, version, root, partition);
    }
  }

  /** Sends {@code root}: the batches {@code source} loads, with the partition columns if any. */
  private boolean stream(Source source, ArrowReader reader, String version, VectorSchemaRoot root,
      PartitionColumns partition) throws Exception {
    backpressure.register(listener);
    // Zero-copy writes would keep each batch's Arrow buffers until Netty has written them; with a
    // copy, a paused client holds Netty buffers instead and the scanner's batches are freed at once.
    listener.setUseZeroCopy(false);
    boolean more = source.next();
    if (partition != null) {
      partition.fill(root, source.sent.getRowCount());
    }
    listener.start(root, reader); // the reader holds the dictionaries of dictionary-encoded columns
    try (StreamDictionaries dictionaries = new StreamDictionaries(reader, parent)) {
      // A spool file holds no dictionaries, and a replacement must come from the live scan.
      boolean spoolable = !dictionaries.any() && spool.capacityBytes() > 0;
      while (more) {
        long ready = System.nanoTime();
        if (!awaitClient(spoolable ? source : null)) {
          return false;
        }
        sendNanos += System.nanoTime() - ready;
        if (batches > 0 && dictionaries.any()) {
          bytes += dictionaries.sendChanged(listener);
        }
        rows += root.getRowCount();
        batches++;
        for (FieldVector vector : root.getFieldVectors()) {
          bytes += vector.getBufferSize();
        }
        // A spooled batch is a map of its file, page cache rather than memory: gRPC may hold it.
        listener.setUseZeroCopy(source.fromSpool);
        if (batches == 1) {
          listener.putNext(metadata(new ServedVersion(version).toJsonBytes()));
        } else {
          listener.putNext();
        }
        more = source.next();
        if (more && partition != null) {
          partition.fill(root, source.sent.getRowCount());
        }
      }
      return true;
    }
  }

  /**
   * A file ticket whose filter its partition values rule out: the schema and the stats, no rows,
   * and nothing scanned.
   */
  private void sendEmpty(Lease lease, ParquetFile file, ColumnSelection selection) throws Exception {
    org.apache.arrow.vector.dictionary.DictionaryProvider.MapDictionaryProvider dictionaries =
        new org.apache.arrow.vector.dictionary.DictionaryProvider.MapDictionaryProvider();
    try (VectorSchemaRoot empty = VectorSchemaRoot.create(selection.schema(), parent);
        PartitionColumns partition = partitioned.columns(parent);
        AutoCloseable closeDictionaries = dictionaries::close) {
      VectorSchemaRoot root = partition.wrap(empty, partitioned.layout(selection.schema().getFields().size()));
      partition.fill(root, 0);
      // Flight sends every dictionary a field names with the schema: empty ones, as no row comes.
      addEmptyDictionaries(selection.schema().getFields(), dictionaries);
      listener.start(root, dictionaries);
      byte[] json = new ReadStats(cacheOutcome(lease), lease.fetchNanos(), 0, 0, 0, 0, 0,
          file.footer().rowGroups(), file.footer().rowGroups(), 0, ReadStats.DISK,
          lease.key().etag()).toJsonBytes();
      MeteredListener.rowGroupsSkipped(listener, file.footer().rowGroups());
      listener.putMetadata(metadata(json));
    }
  }

  private void addEmptyDictionaries(List<org.apache.arrow.vector.types.pojo.Field> fields,
      org.apache.arrow.vector.dictionary.DictionaryProvider.MapDictionaryProvider dictionaries) {
    for (org.apache.arrow.vector.types.pojo.Field field : fields) {
      org.apache.arrow.vector.types.pojo.DictionaryEncoding encoding = field.getDictionary();
      if (encoding != null && dictionaries.lookup(encoding.getId()) == null) {
        FieldVector values = new org.apache.arrow.vector.types.pojo.Field(field.getName(),
            org.apache.arrow.vector.types.pojo.FieldType.nullable(field.getType()),
            field.getChildren()).createVector(parent);
        values.allocateNew();
        values.setValueCount(0);
        dictionaries.put(new org.apache.arrow.vector.dictionary.Dictionary(values, encoding));
      }
      addEmptyDictionaries(field.getChildren(), dictionaries);
    }
  }

  /** Loads the next batch into the reader's root, timing the scan; false at the end. */
  private boolean load(ArrowReader reader, ParquetFile file) throws Exception {
    long start = System.nanoTime();
    try {
      return reader.loadNextBatch();
    } catch (RuntimeException e) {
      throw file.scanFailure(e);
    } finally {
      scanNanos += System.nanoTime() - start;
    }
  }

  /** A buffer the listener owns and releases. */
  private ArrowBuf metadata(byte[] json) {
    ArrowBuf metadata = parent.buffer(json.length);
    metadata.writeBytes(json);
    return metadata;
  }

  /**
   * The batches of one stream, in order: the scan's, and once a slow client has them spooled,
   * the spool file's, then the scan's again if the spool's bound stopped the drain short.
   */
  private final class Source {
    private final ArrowReader reader;
    private final ParquetFile file;
    private final VectorSchemaRoot scanned;
    /** The root batches are sent from; each {@link #next} moves one batch into it. */
    final VectorSchemaRoot sent;
    private final AutoCloseable scan;
    /** Whether the batch in {@link #sent} came from a spool file. */
    boolean fromSpool;

    Source(ArrowReader reader, ParquetFile file, VectorSchemaRoot scanned, VectorSchemaRoot sent,
        AutoCloseable scan) {
      this.reader = reader;
      this.file = file;
      this.scanned = scanned;
      this.sent = sent;
      this.scan = scan;
    }

    /** Loads the next batch into {@link #sent}; false at the end of the rows. */
    boolean next() throws Exception {
      fromSpool = false;
      if (spooled != null) {
        if (spooled.loadInto(sent)) {
          fromSpool = true;
          return true;
        }
        SpooledRows done = spooled;
        spooled = null;
        done.close();
        if (scanClosed) {
          return false;
        }
      }
      if (!load(reader, file)) {
        return false;
      }
      SpooledRows.moveBatch(scanned, sent);
      return true;
    }

    /** Whether the rest of the rows may still be spooled. */
    boolean canSpool() {
      return spooled == null && !scanClosed;
    }

    /**
     * Decodes the scan's remaining rows into a spool file and closes the scan if they all fit; does
     * nothing if the spool does not take a drain now. Timed as scanning.
     */
    void spool() throws Exception {
      spooled = SpooledRows.drain(spool, scanned, () -> load(reader, file), parent);
      if (spooled != null && spooled.complete()) {
        scanClosed = true;
        scan.close(); // frees the scanner's native read-ahead
      }
    }
  }

  /**
   * Waits until the client can take another batch; false if it cancelled. With a source, a wait
   * past {@link StreamSpool#SLOW_CLIENT_MILLIS} spools the source's remaining rows.
   */
  private boolean awaitClient(Source spoolable) throws Exception {
    long idleSince = System.currentTimeMillis();
    while (true) {
      boolean spooling = spoolable != null && spoolable.canSpool();
      switch (backpressure.waitForListener(spooling ? StreamSpool.SLOW_CLIENT_MILLIS : WAIT_SLICE_MILLIS)) {
        case READY:
          return true;
        case CANCELLED:
          return false;
        case OTHER: // interrupted: the node is closing
          throw CallStatus.UNAVAILABLE
              .withDescription("the node is shutting down; retry on another node")
              .toRuntimeException();
        default:
          if (spooling) {
            spoolable.spool();
          }
          if (System.currentTimeMillis() - idleSince > IDLE_LIMIT_MILLIS) {
            throw CallStatus.TIMED_OUT
                .withDescription(String.format(Locale.ROOT,
                    "the client took no data for %d minutes", IDLE_LIMIT_MILLIS / 60_000))
                .toRuntimeException();
          }
      }
    }
  }

  private void sendStats(Lease lease, ParquetFooter footer, RowFilter.Compiled compiled) {
    String cache = cacheOutcome(lease);
    RowGroupPruner.Pruning pruning = compiled != null ? compiled.prune(footer)
        : RowGroupPruner.Pruning.none(footer);
    byte[] json = new ReadStats(cache, lease.fetchNanos(), scanNanos, sendNanos, rows, batches,
        bytes, footer.rowGroups(), pruning.skipped(), pruning.rowsScanned(), ReadStats.DISK,
        lease.key().etag()).toJsonBytes();
    MeteredListener.rowGroupsSkipped(listener, pruning.skipped());
    listener.putMetadata(metadata(json));
  }
}
