package io.istziio.jmh.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * One-stream bandwidth of a hit against the loopback's own, in one run: a plain TCP copy of 4 GiB
 * over loopback (one stream), then DoGets one after another of one file the servers hold, for
 * each LABEL=LOCATION (plain Flight, the ticket straight to the location: an istziio node, the
 * Arrow C++ peer). The targets take turns, two rounds of SECONDS/2 each, so that a burst of noise
 * on the machine does not land on one of them only. GB/s = Arrow buffer bytes received / time.
 *
 * <pre>StreamingBench SECONDS PATH LABEL=LOCATION...</pre>
 */
public final class StreamingBench {

  public static void main(String[] args) throws Exception {
    double seconds = Double.parseDouble(args[0]);
    String path = args[1];
    Map<String, String> targets = new LinkedHashMap<>();
    for (int i = 2; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      targets.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    double loopback = loopbackBytesPerSecond(4L << 30);
    Ticket ticket = PlainFlight.ticket(path, null);
    Results results = new Results().put("benchmark", "one-stream hit bandwidth").put("path", path)
        .put("loopback_tcp_gb_per_s", round(loopback / 1e9));
    try (BufferAllocator allocator = new RootAllocator()) {
      List<FlightClient> clients = new ArrayList<>();
      try {
        for (String location : targets.values()) {
          FlightClient client = FlightClient.builder(allocator, new Location(location)).build();
          clients.add(client);
          PlainFlight.get(client, ticket, false); // cached (a miss, for istziio) before the clock
          PlainFlight.get(client, ticket, false);
        }
        long[] bytes = new long[clients.size()];
        long[] reads = new long[clients.size()];
        double[] elapsed = new double[clients.size()];
        for (int round = 0; round < 2; round++) {
          for (int t = 0; t < clients.size(); t++) {
            long start = System.nanoTime();
            do {
              bytes[t] += PlainFlight.get(clients.get(t), ticket, false).bytes();
              reads[t]++;
            } while (System.nanoTime() - start < seconds / 2 * 1e9);
            elapsed[t] += (System.nanoTime() - start) / 1e9;
          }
        }
        int t = 0;
        for (String label : targets.keySet()) {
          double rate = bytes[t] / elapsed[t];
          results.put(label + "_gb_per_s", round(rate / 1e9)).put(label + "_reads", reads[t])
              .put(label + "_fraction_of_loopback", round(rate / loopback));
          t++;
        }
      } finally {
        for (FlightClient client : clients) {
          client.close();
        }
      }
    }
    results.print();
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
