package dev.unideploy.provider.local.balancer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * One client connection, forwarded byte for byte to a backend (the balancer works at the TCP level,
 * as a network load balancer does). Until the backend sends its first byte the connection is not
 * committed: if the backend refuses, resets or closes before answering, which is what a QEMU port
 * forward does when its guest is gone or not listening, the client's bytes so far (up to {@value
 * #REPLAY_LIMIT} bytes) are replayed to the next backend, so a client never sees a backend that
 * died between two health checks. HAProxy's "retry-on empty-response" does the same.
 */
final class Connection implements Runnable {
  static final int REPLAY_LIMIT = 64 * 1024;
  private static final int CONNECT_TIMEOUT_MILLIS = 2000;

  private final Socket client;
  private final Pool pool;
  private final Counters counters;
  private final ExecutorService threads;
  private final Object lock = new Object();
  private final ByteArrayOutputStream replay = new ByteArrayOutputStream();
  private final List<Pool.Member> tried = new ArrayList<>();
  private Socket server;
  private Pool.Member member;
  private volatile boolean committed;
  private boolean replayable = true;
  private boolean clientDone;

  Connection(Socket client, Pool pool, Counters counters, ExecutorService threads) {
    this.client = client;
    this.pool = pool;
    this.counters = counters;
    this.threads = threads;
  }

  @Override
  public void run() {
    try {
      client.setTcpNoDelay(true);
      synchronized (lock) {
        if (!connectNext()) {
          counters.failed();
          return;
        }
      }
      threads.execute(this::upstream);
      downstream();
    } catch (IOException e) {
      // The client went away; nothing to tell anyone.
    } finally {
      close();
    }
  }

  /** Connects to the next untried backend; false when none is left. Holds {@link #lock}. */
  private boolean connectNext() {
    while (true) {
      Pool.Member m = pool.acquire(tried);
      if (m == null) {
        return false;
      }
      tried.add(m);
      Socket s = new Socket();
      try {
        s.connect(m.address, CONNECT_TIMEOUT_MILLIS);
        s.setTcpNoDelay(true);
        if (replay.size() > 0) {
          s.getOutputStream().write(replay.toByteArray());
        }
        if (clientDone) {
          s.shutdownOutput();
        }
        server = s;
        member = m;
        return true;
      } catch (IOException e) {
        closeQuietly(s);
        pool.release(m);
        pool.suspect(m, "connect failed: " + e.getMessage());
      }
    }
  }

  /** Client to backend; remembers what it sent until the backend has answered. */
  private void upstream() {
    byte[] buf = new byte[16 * 1024];
    try {
      InputStream in = client.getInputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        Socket target;
        synchronized (lock) {
          if (!committed && replayable) {
            if (replay.size() + n <= REPLAY_LIMIT) {
              replay.write(buf, 0, n);
            } else {
              replayable = false;
            }
          }
          target = server;
        }
        // Written outside the lock: a backend that reads slowly must not stop the reply path.
        try {
          target.getOutputStream().write(buf, 0, n);
        } catch (IOException e) {
          synchronized (lock) {
            if (server == target) {
              throw e;
            }
          }
          // The backend was replaced meanwhile; the replay gave these bytes to the new one.
        }
      }
      synchronized (lock) {
        clientDone = true;
        server.shutdownOutput();
      }
    } catch (IOException e) {
      close(); // Either side failed mid-stream: end both.
    }
  }

  /** Backend to client; moves to another backend when this one closes before answering. */
  private void downstream() throws IOException {
    byte[] buf = new byte[16 * 1024];
    OutputStream out = client.getOutputStream();
    while (true) {
      Socket s;
      synchronized (lock) {
        s = server;
      }
      int n;
      try {
        n = s.getInputStream().read(buf);
      } catch (IOException e) {
        n = -2; // Reset.
      }
      if (n > 0) {
        committed = true;
        out.write(buf, 0, n);
        continue;
      }
      synchronized (lock) {
        if (!committed && replayable) {
          // Closed or reset before a single byte: this backend did not serve the request.
          Pool.Member failed = member;
          closeQuietly(server);
          pool.release(failed);
          member = null;
          pool.suspect(failed, "closed a connection before answering");
          if (connectNext()) {
            counters.retried();
            continue;
          }
          counters.failed();
          return;
        }
      }
      if (n == -1) {
        client.shutdownOutput();
      }
      return;
    }
  }

  private void close() {
    synchronized (lock) {
      closeQuietly(client);
      if (server != null) {
        closeQuietly(server);
      }
      if (member != null) {
        pool.release(member);
        member = null;
      }
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // Closing: nothing to add.
    }
  }

  /** The balancer's totals, reported in its status. */
  static final class Counters {
    private long accepted;
    private long failed;
    private long retried;

    synchronized void accepted() {
      accepted++;
    }

    synchronized void failed() {
      failed++;
    }

    synchronized void retried() {
      retried++;
    }

    synchronized long[] snapshot() {
      return new long[] {accepted, failed, retried};
    }
  }
}
