package io.istziio.jmh.bench;

import io.istziio.client.IstziioClient;
import io.istziio.client.ReadResult;
import io.istziio.client.protocol.ReadTicket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.vector.FieldVector;

/**
 * Hot-hit streaming against the loopback's own bandwidth, in one run: a plain TCP copy of 4 GiB
 * over loopback (one stream), then repeated DoGets of one cached file through the routing client.
 *
 * <pre>StreamingBench NODE_LOCATION PATH SECONDS</pre>
 */
public final class StreamingBench {

  public static void main(String[] args) throws Exception {
    String node = args[0];
    String path = args[1];
    long seconds = Long.parseLong(args[2]);
    double loopback = loopbackBytesPerSecond(4L << 30);
    try (IstziioClient client = IstziioClient.connect(node)) {
      ReadTicket ticket = ReadTicket.of(path);
      read(client, ticket); // make sure it is cached
      read(client, ticket);
      long bytes = 0;
      long reads = 0;
      long start = System.nanoTime();
      while (System.nanoTime() - start < seconds * 1_000_000_000L) {
        bytes += read(client, ticket);
        reads++;
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      double flight = bytes / elapsed;
      new Results().put("benchmark", "hot-hit streaming").put("reads", reads)
          .put("arrow_gb_per_s", round(flight / 1e9)).put("loopback_tcp_gb_per_s", round(loopback / 1e9))
          .put("fraction_of_loopback", round(flight / loopback)).print();
    }
  }

  private static long read(IstziioClient client, ReadTicket ticket) throws Exception {
    AtomicLong bytes = new AtomicLong();
    ReadResult result = client.read(ticket, batch -> {
      for (FieldVector vector : batch.getFieldVectors()) {
        bytes.addAndGet(vector.getBufferSize());
      }
    });
    if (result.stats() == null || !result.stats().hit()) {
      System.err.println("(not a hit: " + (result.stats() == null ? "?" : result.stats().cache()) + ")");
    }
    return bytes.get();
  }

  /** One TCP stream over loopback, 1 MiB writes, bytes read per second by the receiver. */
  static double loopbackBytesPerSecond(long total) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread sender = new Thread(() -> {
        byte[] chunk = new byte[1 << 20];
        try (Socket socket = server.accept(); OutputStream out = socket.getOutputStream()) {
          for (long sent = 0; sent < total; sent += chunk.length) {
            out.write(chunk);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      sender.start();
      byte[] buffer = new byte[1 << 20];
      long received = 0;
      long start = System.nanoTime();
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
          InputStream in = socket.getInputStream()) {
        int read;
        while ((read = in.read(buffer)) >= 0) {
          received += read;
        }
      }
      sender.join();
      return received / ((System.nanoTime() - start) / 1e9);
    }
  }

  static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
