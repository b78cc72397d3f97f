package io.istziio.jmh.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Puts distance between S3 and its clients, where the kernel has no netem: a TCP proxy that holds
 * the first byte of every response for a fixed latency and caps each connection's response stream
 * at a rate. An HTTP request/response on a kept-alive connection is one exchange: the client
 * writes, then the server answers; the first answer byte after a client write is delayed.
 *
 * <pre>java ... DelayProxy LISTEN_PORT TARGET_HOST TARGET_PORT LATENCY_MS MBYTES_PER_SECOND</pre>
 */
public final class DelayProxy {

  private final int latencyMillis;
  private final double bytesPerNano;

  private DelayProxy(int latencyMillis, double megabytesPerSecond) {
    this.latencyMillis = latencyMillis;
    this.bytesPerNano = megabytesPerSecond * 1e6 / 1e9;
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 5) {
      System.err.println("usage: DelayProxy LISTEN_PORT TARGET_HOST TARGET_PORT LATENCY_MS MBYTES_PER_SECOND");
      System.exit(2);
    }
    DelayProxy proxy = new DelayProxy(Integer.parseInt(args[3]), Double.parseDouble(args[4]));
    InetSocketAddress target = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])));
      System.out.println("delay proxy on " + server.getLocalPort() + " -> " + target + ", "
          + args[3] + " ms first byte, " + args[4] + " MB/s per connection");
      System.out.flush();
      while (true) {
        Socket client = server.accept();
        start(() -> proxy.serve(client, target));
      }
    }
  }

  private void serve(Socket client, InetSocketAddress target) {
    try (client; Socket upstream = new Socket()) {
      upstream.connect(target);
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
      AtomicBoolean requestSent = new AtomicBoolean();
      Thread requests = start(() -> pump(client, upstream, requestSent));
      respond(upstream, client, requestSent);
      requests.join();
    } catch (IOException | InterruptedException e) {
      // a connection that ends is a connection that ends
    }
  }

  /** Client to S3, as is; marks that an answer is now due. */
  private static void pump(Socket from, Socket to, AtomicBoolean requestSent) {
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int read;
      while ((read = in.read(buffer)) >= 0) {
        requestSent.set(true);
        out.write(buffer, 0, read);
        out.flush();
      }
      to.shutdownOutput();
    } catch (IOException e) {
      // closed from the other side
    }
  }

  /** S3 to client: the first byte of each answer waits the latency, the rest is paced. */
  private void respond(Socket from, Socket to, AtomicBoolean requestSent) throws InterruptedException {
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      long start = System.nanoTime();
      long sent = 0;
      int read;
      while ((read = in.read(buffer)) >= 0) {
        if (requestSent.getAndSet(false)) {
          Thread.sleep(latencyMillis);
          start = System.nanoTime(); // the rate applies within an answer
          sent = 0;
        }
        sent += read;
        long due = start + (long) (sent / bytesPerNano);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        out.write(buffer, 0, read);
        out.flush();
      }
    } catch (IOException e) {
      // closed from the other side
    }
  }

  private static Thread start(Runnable body) {
    Thread thread = new Thread(body, "delay-proxy");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
