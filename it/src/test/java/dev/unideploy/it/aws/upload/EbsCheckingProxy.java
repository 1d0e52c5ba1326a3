package dev.unideploy.it.aws.upload;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.unideploy.provider.aws.testing.SdkSignatureCheck;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP proxy in front of moto that holds the EBS direct traffic to the rules real EBS enforces
 * and moto does not: every PutSnapshotBlock carries exactly 512 KiB and the SHA-256 of its body;
 * CompleteSnapshot carries the LINEAR checksum and block count of what was written. It also makes
 * DescribeSnapshots report {@code pending} until CompleteSnapshot (moto says {@code completed} at
 * once), and can inject throttling (HTTP 429 / 503) into a fraction of the calls. Every EBS call
 * and DescribeSnapshots must carry a SigV4 signature that the SDK's own signer agrees with, or it
 * is answered 403 as AWS would (moto checks no signature).
 */
public final class EbsCheckingProxy implements AutoCloseable {
  static final int BLOCK = 512 * 1024;

  private static final Pattern PUT_BLOCK = Pattern.compile("/snapshots/([^/]+)/blocks/(\\d+)");
  private static final Pattern COMPLETE = Pattern.compile("/snapshots/completion/([^/]+)");
  private static final Pattern SNAPSHOT_ID = Pattern.compile("\"SnapshotId\"\\s*:\\s*\"([^\"]+)\"");
  private static final Set<String> HOP_HEADERS =
      Set.of("host", "content-length", "connection", "expect", "upgrade", "transfer-encoding");

  /** What the proxy saw of one snapshot. */
  static final class Seen {
    final Map<Integer, byte[]> digests = new ConcurrentHashMap<>();
    final AtomicInteger puts = new AtomicInteger();
    volatile boolean completed;
    volatile String forcedError;
  }

  /** Alternates injected EBS faults between 429 ThrottlingException and 503. */
  private static final AtomicInteger FAULT_KIND = new AtomicInteger();

  private final URI target;
  private final HttpServer server;
  private final ExecutorService pool = Executors.newFixedThreadPool(48);
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private final Map<String, Seen> snapshots = new ConcurrentHashMap<>();

  /** StartSnapshot bodies and answers by client token, as EBS keeps them for idempotency. */
  private final Map<String, Map.Entry<String, byte[]>> started = new ConcurrentHashMap<>();

  private static final Pattern CLIENT_TOKEN =
      Pattern.compile("\"ClientToken\"\\s*:\\s*\"([^\"]+)\"");
  private final List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger injected = new AtomicInteger();
  private final AtomicInteger blockPuts = new AtomicInteger();
  private final Random random = new Random(42);
  private volatile double faultRate;

  public EbsCheckingProxy(URI target) throws IOException {
    this.target = target;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.createContext("/", this::handle);
    server.setExecutor(pool);
    server.start();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Answers this fraction of all calls with a throttling error instead of forwarding them. */
  void faultRate(double rate) {
    this.faultRate = rate;
  }

  int injectedFaults() {
    return injected.get();
  }

  /** PutSnapshotBlock calls forwarded to moto and answered 200, all snapshots. */
  int blockPuts() {
    return blockPuts.get();
  }

  Seen seen(String snapshotId) {
    return snapshots.computeIfAbsent(snapshotId, id -> new Seen());
  }

  /** Makes DescribeSnapshots report this snapshot in state error with {@code message}. */
  void forceError(String snapshotId, String message) {
    seen(snapshotId).forcedError = message;
  }

  public List<String> violations() {
    return List.copyOf(violations);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      String form = isForm(ex) ? new String(body, StandardCharsets.UTF_8) : "";
      String action = formValue(form, "Action");
      if (faultRate > 0 && shouldFault()) {
        injected.incrementAndGet();
        fault(ex, action != null);
        return;
      }
      if (path.startsWith("/snapshots") || "DescribeSnapshots".equals(action)) {
        // moto accepts any signature; real AWS answers 403 to a wrong one.
        String query = ex.getRequestURI().getRawQuery();
        String problem =
            SdkSignatureCheck.verify(
                method,
                URI.create(
                    endpoint()
                        + ex.getRequestURI().getRawPath()
                        + (query == null ? "" : "?" + query)),
                ex.getRequestHeaders(),
                body,
                AwsTestClients.CREDENTIALS.resolveCredentials().accessKeyId(),
                AwsTestClients.CREDENTIALS.resolveCredentials().secretAccessKey());
        if (problem != null) {
          violations.add(method + " " + path + ": " + problem);
          byte[] json =
              "{\"message\":\"The request signature we calculated does not match\"}"
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("x-amzn-ErrorType", "InvalidSignatureException");
          ex.sendResponseHeaders(403, json.length);
          ex.getResponseBody().write(json);
          return;
        }
      }
      Matcher token = CLIENT_TOKEN.matcher(new String(body, StandardCharsets.UTF_8));
      if ("POST".equals(method) && "/snapshots".equals(path) && token.find()) {
        // Real EBS: the same token with the same parameters answers the first call's snapshot;
        // with other parameters, 409 ConflictException (moto ignores the token).
        Map.Entry<String, byte[]> earlier = started.get(token.group(1));
        if (earlier != null) {
          boolean same = earlier.getKey().equals(new String(body, StandardCharsets.UTF_8));
          byte[] json =
              same
                  ? earlier.getValue()
                  : ("{\"message\":\"The request uses the same client token as a previous, but"
                          + " non-identical request.\"}")
                      .getBytes(StandardCharsets.UTF_8);
          if (!same) {
            ex.getResponseHeaders().add("x-amzn-ErrorType", "ConflictException");
          }
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(same ? 201 : 409, json.length);
          ex.getResponseBody().write(json);
          return;
        }
      }
      Matcher put = PUT_BLOCK.matcher(path);
      Matcher complete = COMPLETE.matcher(path);
      if ("PUT".equals(method) && put.matches()) {
        checkBlock(ex.getRequestHeaders(), put.group(1), Integer.parseInt(put.group(2)), body);
      } else if ("POST".equals(method) && complete.matches()) {
        checkComplete(ex.getRequestHeaders(), complete.group(1));
      }
      HttpResponse<byte[]> response = forward(ex, body);
      byte[] out = response.body();
      if (response.statusCode() / 100 == 2) {
        if ("PUT".equals(method) && put.matches()) {
          seen(put.group(1)).puts.incrementAndGet();
          blockPuts.incrementAndGet();
        } else if ("POST".equals(method) && complete.matches()) {
          seen(complete.group(1)).completed = true;
        } else if ("POST".equals(method) && "/snapshots".equals(path)) {
          Matcher id = SNAPSHOT_ID.matcher(new String(out, StandardCharsets.UTF_8));
          if (id.find()) {
            seen(id.group(1));
          }
          if (token.reset().find()) {
            started.putIfAbsent(
                token.group(1), Map.entry(new String(body, StandardCharsets.UTF_8), out));
          }
        } else if ("DescribeSnapshots".equals(action)) {
          out = fixSnapshotStates(new String(out, StandardCharsets.UTF_8));
        }
      }
      response
          .headers()
          .map()
          .forEach(
              (k, v) -> {
                if (!HOP_HEADERS.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                  ex.getResponseHeaders().put(k, v);
                }
              });
      ex.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void checkBlock(Headers h, String snapshot, int index, byte[] body) {
    String where = "PutSnapshotBlock " + snapshot + "#" + index + ": ";
    if (body.length != BLOCK) {
      violations.add(where + "body is " + body.length + " bytes, not 524288");
    }
    if (!String.valueOf(BLOCK).equals(h.getFirst("x-amz-Data-Length"))) {
      violations.add(where + "x-amz-Data-Length is " + h.getFirst("x-amz-Data-Length"));
    }
    if (!"SHA256".equals(h.getFirst("x-amz-Checksum-Algorithm"))) {
      violations.add(where + "checksum algorithm " + h.getFirst("x-amz-Checksum-Algorithm"));
    }
    byte[] digest = sha256(body);
    if (!Base64.getEncoder().encodeToString(digest).equals(h.getFirst("x-amz-Checksum"))) {
      violations.add(where + "x-amz-Checksum does not match the body's SHA-256");
    }
    if (seen(snapshot).completed) {
      violations.add(where + "block sent after CompleteSnapshot");
    }
    seen(snapshot).digests.put(index, digest);
  }

  private void checkComplete(Headers h, String snapshot) {
    Seen s = seen(snapshot);
    MessageDigest linear = newSha256();
    for (byte[] d : new TreeMap<>(s.digests).values()) {
      linear.update(d);
    }
    String expected = Base64.getEncoder().encodeToString(linear.digest());
    String where = "CompleteSnapshot " + snapshot + ": ";
    if (!expected.equals(h.getFirst("x-amz-Checksum"))) {
      violations.add(where + "linear checksum " + h.getFirst("x-amz-Checksum") + " != " + expected);
    }
    if (!"LINEAR".equals(h.getFirst("x-amz-Checksum-Aggregation-Method"))) {
      violations.add(where + "aggregation " + h.getFirst("x-amz-Checksum-Aggregation-Method"));
    }
    if (!String.valueOf(s.digests.size()).equals(h.getFirst("x-amz-ChangedBlocksCount"))) {
      violations.add(
          where
              + "ChangedBlocksCount "
              + h.getFirst("x-amz-ChangedBlocksCount")
              + " != "
              + s.digests.size());
    }
  }

  /** moto reports every snapshot completed; report what real EC2 would say. */
  private byte[] fixSnapshotStates(String xml) {
    StringBuilder out = new StringBuilder();
    Matcher item =
        Pattern.compile("<item>.*?<snapshotId>([^<]+)</snapshotId>.*?</item>", Pattern.DOTALL)
            .matcher(xml);
    int last = 0;
    while (item.find()) {
      out.append(xml, last, item.start());
      String text = item.group();
      Seen s = snapshots.get(item.group(1));
      if (s != null && s.forcedError != null) {
        text =
            text.replace("<status>completed</status>", "<status>error</status>")
                .replace("<status>pending</status>", "<status>error</status>")
                .replace(
                    "</snapshotId>",
                    "</snapshotId><statusMessage>" + s.forcedError + "</statusMessage>");
      } else if (s != null && !s.completed) {
        text =
            text.replace("<status>completed</status>", "<status>pending</status>")
                .replace("<progress>100%</progress>", "<progress>0%</progress>");
      }
      out.append(text);
      last = item.end();
    }
    out.append(xml.substring(last));
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private HttpResponse<byte[]> forward(HttpExchange ex, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(target.resolve(ex.getRequestURI().toString()))
            .timeout(Duration.ofSeconds(60))
            .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    ex.getRequestHeaders()
        .forEach(
            (k, v) -> {
              if (!HOP_HEADERS.contains(k.toLowerCase(Locale.ROOT))) {
                v.forEach(value -> b.header(k, value));
              }
            });
    return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private synchronized boolean shouldFault() {
    return random.nextDouble() < faultRate;
  }

  /** A throttling answer as each protocol writes it: EC2 query XML, or EBS REST-JSON. */
  private static void fault(HttpExchange ex, boolean ec2) throws IOException {
    byte[] out;
    int status;
    if (ec2) {
      status = 503;
      out =
          ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error>"
                  + "<Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
                  + "</Error></Errors><RequestID>injected</RequestID></Response>")
              .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "text/xml");
    } else if (FAULT_KIND.incrementAndGet() % 2 == 0) {
      status = 429;
      out = "{\"message\":\"Rate exceeded\"}".getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.getResponseHeaders().add("x-amzn-ErrorType", "ThrottlingException");
    } else {
      status = 503;
      out = "{\"message\":\"Service unavailable\"}".getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.getResponseHeaders().add("x-amzn-ErrorType", "InternalServerException");
    }
    ex.sendResponseHeaders(status, out.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(out);
    }
  }

  private static boolean isForm(HttpExchange ex) {
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    return type != null && type.startsWith("application/x-www-form-urlencoded");
  }

  static String formValue(String form, String name) {
    for (String pair : form.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  static byte[] sha256(byte[] data) {
    return newSha256().digest(data);
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
