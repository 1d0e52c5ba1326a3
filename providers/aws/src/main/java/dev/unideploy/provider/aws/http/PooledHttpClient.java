package dev.unideploy.provider.aws.http;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLSocketFactory;

/**
 * A blocking HTTP/1.1 client for one endpoint, with keep-alive connections pooled for reuse and a
 * hard deadline per exchange. It exists for the one call unideploy makes thousands of times per
 * image, PutSnapshotBlock: the SDK's and the JDK's clients each spent more CPU per 512 KiB block on
 * their own machinery (pipelines, async flows, thread hand-offs) than hashing and sending the block
 * cost (BENCHMARKS.md, "AWS upload"). Here the calling thread writes the request and reads the
 * response on a connection it holds alone.
 *
 * <p>Behind a corporate proxy every connection is a CONNECT tunnel through it ({@link
 * ProxyTunnel}), opened once per pooled connection, so a block costs the same either way.
 *
 * <p>Only for idempotent requests: a request that fails on a reused connection (typically because
 * the server closed it while it sat idle) is sent once more on a new one. The deadline covers
 * connecting, writing and reading: a watchdog closes the socket when it passes, so even a write
 * blocked on a peer that stopped reading ends.
 */
public final class PooledHttpClient implements AutoCloseable {
  private final String host;
  private final int port;
  private final String hostHeader;
  private final SSLSocketFactory tls;
  private final int connectTimeoutMillis;
  private final int maxIdle;
  private final ProxyRoute proxy;
  private final ConcurrentLinkedDeque<Http1Connection> idle = new ConcurrentLinkedDeque<>();
  private final ScheduledThreadPoolExecutor watchdog;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * @param endpoint http or https, host and optional port; a path, if any, is ignored
   * @param tls the TLS socket factory for https (null: the JVM's default trust)
   * @param maxIdle connections kept open between exchanges (one per thread that sends)
   */
  public PooledHttpClient(
      URI endpoint, SSLSocketFactory tls, Duration connectTimeout, int maxIdle) {
    this(endpoint, tls, connectTimeout, maxIdle, null);
  }

  /**
   * @param proxy the HTTP proxy every connection tunnels through with CONNECT (the request line and
   *     TLS stay end to end), or null to connect directly
   */
  public PooledHttpClient(
      URI endpoint, SSLSocketFactory tls, Duration connectTimeout, int maxIdle, ProxyRoute proxy) {
    String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase();
    if (!scheme.equals("http") && !scheme.equals("https") || endpoint.getHost() == null) {
      throw new IllegalArgumentException(
          "endpoint " + endpoint + " is not an http(s)://host[:port] URL");
    }
    boolean https = scheme.equals("https");
    this.host = endpoint.getHost();
    this.port = endpoint.getPort() != -1 ? endpoint.getPort() : https ? 443 : 80;
    this.hostHeader = SigV4Signer.hostHeader(endpoint);
    this.tls =
        https ? (tls != null ? tls : (SSLSocketFactory) SSLSocketFactory.getDefault()) : null;
    this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    this.maxIdle = maxIdle;
    this.proxy = proxy;
    this.watchdog = new ScheduledThreadPoolExecutor(1, PooledHttpClient::watchdogThread);
    watchdog.setRemoveOnCancelPolicy(true);
  }

  /**
   * Sends {@code method target} with {@code headers} and {@code body}, and returns the response,
   * whatever its status.
   *
   * @param target the request target: path and query, already percent-encoded
   * @throws IOException the connection failed or the deadline passed ({@link
   *     SocketTimeoutException}); the request may or may not have reached the server
   */
  public HttpResult send(
      String method, String target, Map<String, String> headers, byte[] body, Duration timeout)
      throws IOException {
    return send(method, target, headers, body, timeout, Http1Connection.MAX_BODY);
  }

  /**
   * As {@link #send(String, String, Map, byte[], Duration)}, reading a response body of up to
   * {@code maxBody} bytes (a larger one fails with {@link ResponseTooLargeException}).
   */
  public HttpResult send(
      String method,
      String target,
      Map<String, String> headers,
      byte[] body,
      Duration timeout,
      int maxBody)
      throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Http1Connection reused = idle.pollFirst();
    if (reused != null) {
      try {
        return exchange(reused, method, target, headers, body, deadline, timeout, maxBody);
      } catch (IOException stale) {
        if (stale instanceof ResponseTooLargeException || System.nanoTime() >= deadline) {
          throw stale;
        }
        // The server may have closed the idle connection as we picked it up: one new attempt.
      }
    }
    Http1Connection fresh = Http1Connection.open(host, port, tls, connectTimeoutMillis, proxy);
    return exchange(fresh, method, target, headers, body, deadline, timeout, maxBody);
  }

  private HttpResult exchange(
      Http1Connection c,
      String method,
      String target,
      Map<String, String> headers,
      byte[] body,
      long deadline,
      Duration timeout,
      int maxBody)
      throws IOException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      c.close();
      throw timedOut(method, timeout);
    }
    AtomicBoolean fired = new AtomicBoolean();
    ScheduledFuture<?> alarm =
        watchdog.schedule(
            () -> {
              fired.set(true);
              c.close();
            },
            left,
            TimeUnit.NANOSECONDS);
    boolean ok = false;
    try {
      int readTimeout = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left));
      HttpResult result =
          c.exchange(method, target, hostHeader, headers, body, readTimeout, maxBody);
      ok = true;
      return result;
    } catch (SocketTimeoutException e) {
      throw timedOut(method, timeout);
    } catch (IOException e) {
      if (fired.get()) {
        throw timedOut(method, timeout);
      }
      throw e;
    } finally {
      alarm.cancel(false);
      if (ok && !fired.get() && c.reusable() && !closed.get() && idle.size() < maxIdle) {
        idle.offerFirst(c);
      } else {
        c.close();
      }
    }
  }

  private static SocketTimeoutException timedOut(String method, Duration timeout) {
    return new SocketTimeoutException(
        method + " got no complete response within " + timeout.toMillis() + " ms");
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      watchdog.shutdownNow();
      Http1Connection c;
      while ((c = idle.pollFirst()) != null) {
        c.close();
      }
    }
  }

  private static Thread watchdogThread(Runnable r) {
    Thread t = new Thread(r, "http-deadline");
    t.setDaemon(true);
    return t;
  }
}
