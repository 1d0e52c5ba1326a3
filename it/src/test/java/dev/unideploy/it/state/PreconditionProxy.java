package dev.unideploy.it.state;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * An HTTP proxy in front of an object-store emulator that holds conditional writes to the rule the
 * real store keeps and the emulator does not: a write whose precondition fails never happens, even
 * when many writers race for one key. What each emulator version actually does is pinned by {@link
 * EmulatorPreconditionsTest}:
 *
 * <ul>
 *   <li>moto 5.2.5 checks {@code If-None-Match} / {@code If-Match} on PutObject and DeleteObject,
 *       but without a lock between the check and the write: with 20 concurrent {@code If-Match}
 *       writers on one key, 8 of 100 rounds let two of them win.
 *   <li>fake-gcs-server 1.56.1 checks {@code ifGenerationMatch} on uploads, but deletes an object
 *       whatever {@code ifGenerationMatch} a delete names.
 * </ul>
 *
 * The proxy serialises the mutating requests of each object key, reads the object's current version
 * from the emulator itself, and answers 412 as S3 or Cloud Storage would when the precondition does
 * not hold; otherwise it forwards the request and checks that the emulator agreed. Writes of state
 * objects (keys under {@code /journal/} or {@code /locks/}) without any precondition are recorded
 * as violations: unideploy must never write them blind. It also logs the upload units the store
 * acknowledged through it, and can slow or hold them: EBS PutSnapshotBlock calls (the AWS endpoint
 * passes through it) by snapshot and block, Azure Put Page calls by blob and 4 MiB window, and the
 * last chunk of a Cloud Storage part upload (the request that finalizes a tarball part object) by
 * the parts' folder and part index.
 *
 * <p>In front of Azurite ({@link Dialect#AZURE_BLOB}) it checks no precondition itself: Azurite
 * 3.35.0 holds every ETag condition unideploy uses, also under concurrency ({@link
 * EmulatorPreconditionsTest}).
 */
final class PreconditionProxy implements AutoCloseable {

  /** Which store's protocol the emulator behind speaks. */
  enum Dialect {
    S3,
    GCS,
    AZURE_BLOB
  }

  /**
   * An upload unit the store acknowledged through this proxy: EBS block {@code block} of snapshot
   * {@code snapshot}, the 4 MiB page window {@code block} of blob {@code snapshot}, or the part
   * object {@code block} of the parts' folder {@code snapshot} (one tarball upload generation).
   */
  record BlockPut(String snapshot, int block) {}

  /** Azure's largest Put Page, and unideploy's page window. */
  private static final long PAGE_WINDOW = 4L << 20;

  private static final Set<String> HOP_HEADERS =
      Set.of("host", "content-length", "connection", "expect", "upgrade", "transfer-encoding");
  private static final Pattern PUT_BLOCK = Pattern.compile("/snapshots/([^/]+)/blocks/(\\d+)");
  private static final Pattern GCS_OBJECT = Pattern.compile("/storage/v1/b/([^/]+)/o/(.+)");
  private static final Pattern GCS_UPLOAD = Pattern.compile("/upload/storage/v1/b/([^/]+)/o");

  /**
   * A tarball part object; fake-gcs-server's session URIs name the object (Cloud Storage's do not).
   */
  private static final Pattern GCS_PART = Pattern.compile("(.+\\.unideploy-parts/.+)/part-(\\d+)");

  /** The last chunk of a resumable upload, which names the total ("bytes a-b/total"). */
  private static final Pattern LAST_CHUNK = Pattern.compile("bytes [0-9*-]+/\\d+");

  private static final Pattern GCS_NAME =
      Pattern.compile("\"name\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final Dialect dialect;
  private final URI target;
  private final HttpServer server;
  private final ExecutorService pool = Executors.newFixedThreadPool(64);
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private final Map<String, ReentrantLock> keys = new ConcurrentHashMap<>();
  private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
  private final List<BlockPut> blockPuts = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Integer> refused = new ConcurrentHashMap<>();
  private final S3Client s3;
  private volatile Duration blockDelay = Duration.ZERO;
  private volatile CountDownLatch blockGate = new CountDownLatch(0);

  PreconditionProxy(Dialect dialect, URI target) throws IOException {
    this.dialect = dialect;
    this.target = target;
    this.s3 =
        dialect != Dialect.S3
            ? null
            : S3Client.builder()
                .endpointOverride(target)
                .forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(
                    StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3Backend.ACCESS_KEY, S3Backend.SECRET_KEY)))
                .build();
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    server.createContext("/", this::handle);
    server.setExecutor(pool);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  List<String> violations() {
    return List.copyOf(violations);
  }

  /** Conditional writes this proxy answered 412 itself, by kind ("create", "replace", "delete"). */
  Map<String, Integer> refused() {
    return Map.copyOf(refused);
  }

  List<BlockPut> blockPuts() {
    return List.copyOf(blockPuts);
  }

  /** Holds every PutSnapshotBlock this long: a slow network, so a test can kill mid-upload. */
  void slowBlocks(Duration delay) {
    this.blockDelay = delay;
  }

  /**
   * Holds every PutSnapshotBlock from now until {@link #releaseBlocks()}: an upload in progress.
   */
  void holdBlocks() {
    blockGate = new CountDownLatch(1);
  }

  void releaseBlocks() {
    blockGate.countDown();
  }

  /** What a mutating request is about: the key, and the precondition it carries. */
  private record Conditional(String key, String kind, String expected) {}

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      String method = ex.getRequestMethod();
      String path = ex.getRequestURI().getPath();
      BlockPut unit = uploadUnit(ex, method, path);
      if (unit != null) {
        if (!blockGate.await(120, TimeUnit.SECONDS)) {
          throw new IOException("nobody released the held blocks within 120 s");
        }
        Thread.sleep(blockDelay.toMillis());
      }
      Conditional c = conditional(ex, method, path, body);
      if (c == null) {
        HttpResponse<byte[]> r = forward(ex, body);
        if (unit != null && r.statusCode() / 100 == 2) {
          blockPuts.add(unit);
        }
        reply(ex, r.statusCode(), r.headers().map(), r.body());
        return;
      }
      ReentrantLock lock = keys.computeIfAbsent(c.key(), k -> new ReentrantLock());
      lock.lock();
      try {
        String current = currentVersion(c.key());
        boolean holds =
            switch (c.kind()) {
              case "create" -> current == null;
              case "replace", "delete" -> current != null && current.equals(c.expected());
              default -> true; // "blind": no precondition at all (recorded as a violation)
            };
        if (!holds) {
          refused.merge(c.kind(), 1, Integer::sum);
          refuse(ex, c, current);
          return;
        }
        HttpResponse<byte[]> r = forward(ex, body);
        if (r.statusCode() / 100 != 2) {
          violations.add(
              method
                  + " "
                  + c.key()
                  + ": the precondition holds ("
                  + c.kind()
                  + " at "
                  + current
                  + ") but the emulator answered "
                  + r.statusCode());
        }
        reply(ex, r.statusCode(), r.headers().map(), r.body());
      } finally {
        lock.unlock();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      // Recorded, so that a test fails on the proxy's own fault instead of blaming the client.
      violations.add(
          "the proxy failed on " + ex.getRequestMethod() + " " + ex.getRequestURI() + ": " + e);
      throw e;
    }
  }

  /** The upload unit (EBS block, Put Page window) this request writes, or null. */
  private BlockPut uploadUnit(HttpExchange ex, String method, String path) {
    if (!"PUT".equals(method)) {
      return null;
    }
    Matcher block = PUT_BLOCK.matcher(path);
    if (dialect == Dialect.S3 && block.matches()) {
      return new BlockPut(block.group(1), Integer.parseInt(block.group(2)));
    }
    String range = ex.getRequestHeaders().getFirst("x-ms-range");
    if (dialect == Dialect.AZURE_BLOB
        && "page".equals(query(ex.getRequestURI().getRawQuery()).get("comp"))
        && "update".equalsIgnoreCase(ex.getRequestHeaders().getFirst("x-ms-page-write"))
        && range != null
        && range.startsWith("bytes=")) {
      long from = Long.parseLong(range.substring(6, range.indexOf('-')));
      return new BlockPut(path, (int) (from / PAGE_WINDOW));
    }
    String contentRange = ex.getRequestHeaders().getFirst("Content-Range");
    String name = query(ex.getRequestURI().getRawQuery()).get("name");
    if (dialect == Dialect.GCS
        && GCS_UPLOAD.matcher(path).matches()
        && contentRange != null
        && LAST_CHUNK.matcher(contentRange).matches()
        && name != null) {
      Matcher part = GCS_PART.matcher(name);
      if (part.matches()) {
        return new BlockPut(part.group(1), Integer.parseInt(part.group(2)));
      }
    }
    return null;
  }

  /** The conditional write this request is, or null when it is something else. */
  private Conditional conditional(HttpExchange ex, String method, String path, byte[] body) {
    if (dialect == Dialect.AZURE_BLOB) {
      return null;
    }
    if (dialect == Dialect.S3) {
      boolean objectPath = path.indexOf('/', 1) > 0 && !path.startsWith("/snapshots");
      if (!objectPath || !("PUT".equals(method) || "DELETE".equals(method))) {
        return null;
      }
      if (ex.getRequestURI().getRawQuery() != null
          && ex.getRequestURI().getRawQuery().contains("uploadId")) {
        return null; // multipart parts: not state objects
      }
      String ifNoneMatch = ex.getRequestHeaders().getFirst("If-None-Match");
      String ifMatch = ex.getRequestHeaders().getFirst("If-Match");
      return classify(path, method, ifNoneMatch, ifMatch);
    }
    Map<String, String> query = query(ex.getRequestURI().getRawQuery());
    String generation = query.get("ifGenerationMatch");
    Matcher object = GCS_OBJECT.matcher(ex.getRequestURI().getRawPath());
    if ("DELETE".equals(method) && object.matches()) {
      String key = object.group(1) + "/" + decode(object.group(2));
      return state(key, generation == null ? "blind" : "delete", generation);
    }
    Matcher upload = GCS_UPLOAD.matcher(path);
    if ("POST".equals(method) && upload.matches()) {
      String name = query.get("name");
      if (name == null) {
        Matcher n = GCS_NAME.matcher(new String(body, StandardCharsets.UTF_8));
        name = n.find() ? n.group(1) : null;
      }
      if (name == null) {
        return null;
      }
      String key = upload.group(1) + "/" + name;
      if (generation == null) {
        return state(key, "blind", null);
      }
      return generation.equals("0")
          ? new Conditional(key, "create", null)
          : new Conditional(key, "replace", generation);
    }
    return null;
  }

  private Conditional classify(String key, String method, String ifNoneMatch, String ifMatch) {
    if ("PUT".equals(method) && "*".equals(ifNoneMatch)) {
      return new Conditional(key, "create", null);
    }
    if (ifMatch != null) {
      return new Conditional(key, "PUT".equals(method) ? "replace" : "delete", ifMatch);
    }
    return state(key, "blind", null);
  }

  /** A blind write is fine for other objects (images, tarballs); for state objects, a violation. */
  private Conditional state(String key, String kind, String expected) {
    if (kind.equals("blind")) {
      if (key.contains("/journal/") || key.contains("/locks/")) {
        violations.add("a write to the state object " + key + " carries no precondition");
      }
      return null;
    }
    return new Conditional(key, kind, expected);
  }

  /** The object's ETag (S3) or generation (GCS) as the emulator reports it now; null if none. */
  private String currentVersion(String key) throws IOException, InterruptedException {
    if (dialect == Dialect.S3) {
      // Signed: moto answers an anonymous HEAD of an existing private object with 403.
      int slash = key.indexOf('/', 1);
      try {
        return s3.headObject(b -> b.bucket(key.substring(1, slash)).key(key.substring(slash + 1)))
            .eTag();
      } catch (S3Exception e) {
        if (e.statusCode() == 404) {
          return null;
        }
        throw new IOException("reading the version of " + key + " answered " + e.statusCode(), e);
      }
    }
    URI uri =
        target.resolve(
            "/storage/v1/b/"
                + key.substring(0, key.indexOf('/'))
                + "/o/"
                + java.net.URLEncoder.encode(
                        key.substring(key.indexOf('/') + 1), StandardCharsets.UTF_8)
                    .replace("+", "%20"));
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 404) {
      return null;
    }
    if (r.statusCode() != 200) {
      throw new IOException("reading the version of " + key + " answered " + r.statusCode());
    }
    Matcher g = Pattern.compile("\"generation\"\\s*:\\s*\"?(\\d+)").matcher(r.body());
    if (!g.find()) {
      throw new IOException("no generation in the metadata of " + key + ": " + r.body());
    }
    return g.group(1);
  }

  private void refuse(HttpExchange ex, Conditional c, String current) throws IOException {
    byte[] out;
    int status = 412;
    if (dialect == Dialect.S3) {
      if (c.kind().equals("replace") && current == null) {
        // S3 answers a PutObject If-Match on a missing key with 404 NoSuchKey.
        status = 404;
        out =
            "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"
                .getBytes(StandardCharsets.UTF_8);
      } else {
        out =
            ("<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions"
                    + " you specified did not hold</Message><Condition>If-"
                    + (c.kind().equals("create") ? "None-Match" : "Match")
                    + "</Condition></Error>")
                .getBytes(StandardCharsets.UTF_8);
      }
      ex.getResponseHeaders().add("Content-Type", "application/xml");
    } else {
      out =
          ("{\"error\":{\"code\":412,\"message\":\"At least one of the pre-conditions you specified"
                  + " did not hold.\",\"errors\":[{\"message\":\"At least one of the pre-conditions"
                  + " you specified did not hold.\",\"domain\":\"global\",\"reason\":"
                  + "\"conditionNotMet\",\"locationType\":\"header\",\"location\":\"If-Match\"}]}}")
              .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
    }
    ex.sendResponseHeaders(status, out.length);
    ex.getResponseBody().write(out);
  }

  private HttpResponse<byte[]> forward(HttpExchange ex, byte[] body)
      throws IOException, InterruptedException {
    String query = ex.getRequestURI().getRawQuery();
    URI uri = target.resolve(ex.getRequestURI().getRawPath() + (query == null ? "" : "?" + query));
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(60))
            .method(
                ex.getRequestMethod(),
                body.length == 0
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    ex.getRequestHeaders()
        .forEach(
            (k, v) -> {
              if (!HOP_HEADERS.contains(k.toLowerCase(Locale.ROOT))) {
                v.forEach(value -> b.header(k, value));
              }
            });
    return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private void reply(HttpExchange ex, int status, Map<String, List<String>> headers, byte[] out)
      throws IOException {
    headers.forEach(
        (k, v) -> {
          if (k.equalsIgnoreCase("location")) {
            // A resumable session's URI: its chunks must come through here too.
            String from = "//" + target.getAuthority() + "/";
            String to = "//" + endpoint().getAuthority() + "/";
            ex.getResponseHeaders().put(k, v.stream().map(l -> l.replace(from, to)).toList());
          } else if (!HOP_HEADERS.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
            ex.getResponseHeaders().put(k, v);
          }
        });
    boolean head = "HEAD".equals(ex.getRequestMethod());
    try {
      ex.sendResponseHeaders(status, head || out.length == 0 ? -1 : out.length);
      if (!head && out.length > 0) {
        try (OutputStream os = ex.getResponseBody()) {
          os.write(out);
        }
      }
    } catch (IOException e) {
      // The client is gone (a runner killed with its request in flight): not the proxy's fault,
      // and the store did what the request asked, as it would have for the real service.
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> m = new java.util.HashMap<>();
    if (raw == null) {
      return m;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        m.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
      }
    }
    return m;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
    if (s3 != null) {
      s3.close();
    }
  }
}
