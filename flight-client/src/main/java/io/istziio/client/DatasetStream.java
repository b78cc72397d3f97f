package io.istziio.client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.util.TransferPair;

/**
 * A dataset's batches in order, pulled by the caller: every batch of the first endpoint (file),
 * then of the second, and so on. Reader threads read ahead: while the caller is on endpoint
 * {@code i}, endpoints {@code i} to {@code i + parallelism - 1} are read at the same time, each
 * with the client's failover, and each buffers at most {@link #BATCHES_PER_ENDPOINT} batches
 * (a reader whose buffer is full stops reading, and gRPC's flow control holds the node back).
 * At most {@code parallelism × (BATCHES_PER_ENDPOINT + 1) + 1} batches are held at once: the
 * buffers, one in each reader's hand while it waits for room, and the caller's.
 *
 * <pre>{@code
 * try (DatasetStream stream = client.streamDataset(ReadTicket.of("s3://bucket/table/"))) {
 *   while (stream.next()) {
 *     VectorSchemaRoot batch = stream.root();   // valid until the next call to next() or close()
 *   }
 *   DatasetResult result = stream.result();
 * }
 * }</pre>
 *
 * <p>One thread pulls; the class is not otherwise thread-safe. The batches are moved out of the
 * Flight streams without copying; a dictionary-encoded column's dictionaries are held with its
 * batch ({@link #dictionaries}). A failed endpoint's error is thrown by {@link #next} when the
 * caller reaches that endpoint, after the batches before it; close() stops every reader and
 * releases every batch it holds.
 */
public final class DatasetStream implements AutoCloseable {

  /** Batches each endpoint's reader may hold ahead of the caller. */
  public static final int BATCHES_PER_ENDPOINT = 2;
  /** How often a reader with a full buffer looks whether the stream was closed. */
  private static final long POLL_MILLIS = 100;

  /** What a reader hands the caller: a batch, the end of its endpoint, or its failure. */
  private sealed interface Item extends AutoCloseable permits Batch, End, Failed {
    @Override
    default void close() {}
  }

  private record Batch(VectorSchemaRoot root, DictionaryProvider.MapDictionaryProvider dictionaries)
      implements Item {
    @Override
    public void close() {
      List<AutoCloseable> vectors = new ArrayList<>();
      vectors.add(root);
      for (long id : dictionaries.getDictionaryIds()) {
        vectors.add(dictionaries.lookup(id).getVector());
      }
      try {
        AutoCloseables.close(vectors);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private record End(ReadResult result) implements Item {}

  private record Failed(Exception error) implements Item {}

  /** Thrown into a reader when the stream is closed under it. */
  private static final class Closed extends RuntimeException {
    Closed() {
      super("closed", null, false, false);
    }
  }

  private final IstziioClient client;
  private final BufferAllocator allocator;
  private final List<FlightEndpoint> endpoints;
  private final int parallelism;
  private final List<BlockingQueue<Item>> buffers = new ArrayList<>();
  private final Cancellation[] cancels;
  private final ReadResult[] results;
  private final List<Future<?>> readers = new ArrayList<>();
  private final Object window = new Object();
  private final AtomicLong peakBuffered = new AtomicLong();
  private int nextToStart; // guarded by window
  /** The endpoint the caller is on; written under window, read without it for the count. */
  private volatile int current;
  private volatile boolean closed;
  private Batch batch; // the caller's
  private Exception failure; // the caller's: thrown again by every later next()

  DatasetStream(IstziioClient client, BufferAllocator parent, List<FlightEndpoint> endpoints,
      int parallelism) {
    this.client = client;
    this.allocator = parent.newChildAllocator("dataset-stream", 0, Long.MAX_VALUE);
    this.endpoints = List.copyOf(endpoints);
    this.parallelism = Math.max(1, Math.min(parallelism, endpoints.size()));
    for (int i = 0; i < endpoints.size(); i++) {
      // The end (or failure) of an endpoint waits for room like a batch: the caller frees it.
      buffers.add(new ArrayBlockingQueue<>(BATCHES_PER_ENDPOINT));
    }
    this.cancels = new Cancellation[endpoints.size()];
    Arrays.setAll(cancels, i -> new Cancellation());
    this.results = new ReadResult[endpoints.size()];
    for (int i = 0; i < this.parallelism && !endpoints.isEmpty(); i++) {
      readers.add(client.readers().submit(this::readEndpoints));
    }
  }

  /**
   * Moves to the next batch, releasing the previous one; false once every endpoint was read.
   *
   * @throws Exception the first endpoint's failure, as {@link IstziioClient#read} throws it,
   *     when the caller reaches that endpoint
   */
  public boolean next() throws Exception {
    releaseBatch();
    if (failure != null) {
      throw failure;
    }
    while (true) {
      int at;
      synchronized (window) {
        at = current;
      }
      if (closed) {
        throw new IllegalStateException("the dataset stream is closed");
      }
      if (at >= endpoints.size()) {
        return false;
      }
      Item item = buffers.get(at).take();
      if (item instanceof Batch taken) {
        batch = taken;
        return true;
      }
      if (item instanceof Failed failed) {
        failure = failed.error();
        throw failure;
      }
      results[at] = ((End) item).result();
      synchronized (window) {
        current = at + 1;
        window.notifyAll(); // one more endpoint may start
      }
    }
  }

  /** The current batch; valid until the next call to {@link #next} or {@link #close}. */
  public VectorSchemaRoot root() {
    if (batch == null) {
      throw new IllegalStateException("no current batch: call next() first");
    }
    return batch.root();
  }

  /** The dictionaries of the current batch's dictionary-encoded columns; valid as long as it. */
  public DictionaryProvider dictionaries() {
    if (batch == null) {
      throw new IllegalStateException("no current batch: call next() first");
    }
    return batch.dictionaries();
  }

  /** The index of the endpoint (file) the current batch comes from, in the FlightInfo's order. */
  public int endpoint() {
    synchronized (window) {
      return current;
    }
  }

  /** One ReadResult per endpoint, once {@link #next} returned false. */
  public DatasetResult result() {
    synchronized (window) {
      if (current < endpoints.size()) {
        throw new IllegalStateException("the dataset stream is not read to its end");
      }
    }
    return new DatasetResult(Arrays.asList(results));
  }

  /**
   * Items read ahead and not yet taken by the caller, now: batches, and the end marker of an
   * endpoint read to its end. Only the endpoints of the window hold any (those before it were
   * taken to their end, those after it are not started), each at most BATCHES_PER_ENDPOINT.
   */
  public long bufferedBatches() {
    int from = current;
    long held = 0;
    for (int i = from; i < Math.min(from + parallelism, buffers.size()); i++) {
      held += buffers.get(i).size();
    }
    return held;
  }

  /** The most batches ever read ahead at once: at most parallelism × BATCHES_PER_ENDPOINT. */
  public long peakBufferedBatches() {
    return peakBuffered.get();
  }

  /** A reader thread: takes the next endpoint within the window, reads it into its buffer. */
  private void readEndpoints() {
    while (true) {
      int index;
      synchronized (window) {
        while (!closed && nextToStart < endpoints.size() && nextToStart >= current + parallelism) {
          try {
            window.wait();
          } catch (InterruptedException e) {
            return; // the client is closing
          }
        }
        if (closed || nextToStart >= endpoints.size()) {
          return;
        }
        index = nextToStart++;
      }
      Item last;
      try {
        last = new End(client.readEndpoint(endpoints.get(index),
            (root, dictionaries) -> hand(index, take(root, dictionaries)), cancels[index]));
      } catch (Closed stopped) {
        return;
      } catch (Exception e) {
        if (closed) {
          return;
        }
        last = new Failed(e);
      }
      try {
        hand(index, last);
      } catch (Closed stopped) {
        return;
      }
    }
  }

  /** Puts an item in an endpoint's buffer, waiting for room; throws Closed if the stream closes. */
  private void hand(int index, Item item) {
    BlockingQueue<Item> buffer = buffers.get(index);
    try {
      while (!buffer.offer(item, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
        if (closed) {
          throw new Closed();
        }
      }
    } catch (InterruptedException | Closed e) {
      item.close();
      throw new Closed();
    }
    peakBuffered.accumulateAndGet(bufferedBatches(), Math::max);
    if (closed) {
      drain(buffer); // close() may have drained already; whoever polls an item closes it
    }
  }

  /** The batch moved out of the Flight stream's root, with copies of its dictionaries. */
  private Batch take(VectorSchemaRoot root, DictionaryProvider dictionaries) {
    List<FieldVector> vectors = new ArrayList<>();
    for (FieldVector vector : root.getFieldVectors()) {
      TransferPair pair = vector.getTransferPair(allocator);
      pair.transfer();
      vectors.add((FieldVector) pair.getTo());
    }
    VectorSchemaRoot moved = new VectorSchemaRoot(root.getSchema().getFields(), vectors,
        root.getRowCount());
    DictionaryProvider.MapDictionaryProvider held = new DictionaryProvider.MapDictionaryProvider();
    Set<Long> ids = new HashSet<>();
    root.getSchema().getFields().forEach(field -> dictionaryIds(field, ids));
    for (long id : ids) {
      Dictionary dictionary = dictionaries.lookup(id);
      ValueVector values = dictionary.getVector();
      // A slice of the whole vector shares its buffers (reference-counted): the stream may
      // replace its dictionary while this batch is still held.
      var pair = values.getTransferPair(allocator);
      pair.splitAndTransfer(0, values.getValueCount());
      held.put(new Dictionary((FieldVector) pair.getTo(), dictionary.getEncoding()));
    }
    return new Batch(moved, held);
  }

  private static void dictionaryIds(Field field, Set<Long> ids) {
    if (field.getDictionary() != null) {
      ids.add(field.getDictionary().getId());
    }
    field.getChildren().forEach(child -> dictionaryIds(child, ids));
  }

  private void releaseBatch() {
    if (batch != null) {
      batch.close();
      batch = null;
    }
  }

  private void drain(BlockingQueue<Item> buffer) {
    Item item;
    while ((item = buffer.poll()) != null) {
      item.close();
    }
  }

  /**
   * Stops the readers (their streams are cancelled), waits for them to end, and releases every
   * batch held; the stream's memory is then all returned (the allocator is closed, so a leak
   * fails here).
   */
  @Override
  public void close() throws Exception {
    if (closed) {
      return;
    }
    synchronized (window) {
      closed = true;
      window.notifyAll();
    }
    releaseBatch();
    Arrays.stream(cancels).forEach(Cancellation::cancel);
    for (Future<?> reader : readers) {
      reader.get(); // readEndpoints catches everything
    }
    buffers.forEach(this::drain);
    allocator.close();
  }
}
