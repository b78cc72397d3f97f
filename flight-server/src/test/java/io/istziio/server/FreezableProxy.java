package io.istziio.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that can be frozen: it then stops forwarding bytes in both directions
 * but keeps every socket open, as a node stopped with SIGSTOP does (its kernel still holds the
 * connections; nothing answers). Frozen stays frozen until {@link #close}, which closes every
 * socket and joins every thread.
 */
final class FreezableProxy implements AutoCloseable {

  private final ServerSocket listener;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  private volatile int targetPort;
  private boolean frozen; // guarded by lock
  private boolean closed; // guarded by lock
  /** Bytes still forwarded towards the client before the proxy freezes by itself. */
  private long budget = Long.MAX_VALUE; // guarded by lock

  FreezableProxy() throws IOException {
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    start(this::accept, "proxy-accept");
  }

  /** The address clients use; the target may be set later (a node started after the proxy). */
  URI uri() {
    return URI.create("grpc+tcp://127.0.0.1:" + listener.getLocalPort());
  }

  void target(int port) {
    targetPort = port;
  }

  void freeze() {
    synchronized (lock) {
      frozen = true;
    }
  }

  /**
   * Freezes once {@code bytes} more bytes have gone towards the client: whatever the client's
   * buffers, a stream larger than that cannot get through.
   */
  void freezeAfter(long bytes) {
    synchronized (lock) {
      budget = bytes;
    }
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        sockets.add(client);
        sockets.add(server);
        synchronized (lock) {
          if (closed) { // close() may have gone through the sockets before these were added
            client.close();
            server.close();
            return;
          }
        }
        start(() -> pump(client, server, false), "proxy-up");
        start(() -> pump(server, client, true), "proxy-down");
      } catch (IOException e) {
        // closed, or the target refused: the client sees its connection drop
      }
    }
  }

  private void pump(Socket from, Socket to, boolean towardsClient) {
    byte[] buffer = new byte[16 << 10];
    try (from; to) {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        int allowed = awaitThaw(towardsClient, n);
        if (allowed < 0) {
          return;
        }
        out.write(buffer, 0, allowed);
        out.flush();
        if (allowed < n && awaitThaw(false, 0) < 0) { // the budget ran out in this chunk
          return;
        }
      }
    } catch (IOException | InterruptedException e) {
      // closed
    }
  }

  /** Blocks while frozen; returns how much of {@code n} bytes may pass, or -1 once closed. */
  private int awaitThaw(boolean towardsClient, int n) throws InterruptedException {
    synchronized (lock) {
      while (frozen && !closed) {
        lock.wait();
      }
      if (closed) {
        return -1;
      }
      if (!towardsClient) {
        return n;
      }
      int allowed = (int) Math.min(n, budget);
      budget -= allowed;
      if (budget == 0) {
        frozen = true;
      }
      return allowed;
    }
  }

  private void start(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    threads.add(thread);
    thread.start();
  }

  @Override
  public void close() throws Exception {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    listener.close();
    for (Socket socket : sockets) {
      socket.close();
    }
    for (Thread thread : threads) {
      thread.join(10_000);
      if (thread.isAlive()) {
        throw new IllegalStateException("proxy thread " + thread.getName() + " did not stop");
      }
    }
  }
}
