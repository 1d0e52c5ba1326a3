package dev.unideploy.provider.aws.state;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.unideploy.provider.aws.testing.SdkSignatureCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One S3 bucket, path-style, with the conditional writes and ListObjectsV2 pages of S3, that checks
 * every request's SigV4 signature with the SDK's own signer (as S3 signs), its payload hash and its
 * expected bucket owner. Canned answers can be queued to stand in for S3's errors.
 */
final class FakeS3Bucket implements AutoCloseable {
  static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
  static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/EXAMPLEKEY";
  static final String ACCOUNT = "123456789012";

  /** An answer to give instead of the bucket's own. */
  record Canned(int status, String xml, long declaredLength) {
    Canned(int status, String xml) {
      this(status, xml, -1);
    }
  }

  private record Stored(byte[] data, String etag, Instant modified) {}

  private final String bucket;
  private final int pageSize;
  private final HttpServer server;
  private final TreeMap<String, Stored> objects = new TreeMap<>();
  private final ConcurrentLinkedDeque<Canned> canned = new ConcurrentLinkedDeque<>();
  final List<String> problems = Collections.synchronizedList(new ArrayList<>());
  final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger versions = new AtomicInteger();

  FakeS3Bucket(String bucket, int pageSize) throws IOException {
    this.bucket = bucket;
    this.pageSize = pageSize;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The bucket's base URL (path-style), as {@code AwsClients} builds it for an endpoint. */
  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + bucket);
  }

  void answerNext(Canned answer) {
    canned.add(answer);
  }

  synchronized void put(String key, byte[] data) {
    objects.put(key, new Stored(data, "\"v" + versions.incrementAndGet() + "\"", Instant.now()));
  }

  synchronized byte[] data(String key) {
    Stored s = objects.get(key);
    return s == null ? null : s.data();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      URI uri = ex.getRequestURI();
      String raw = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      requests.add(ex.getRequestMethod() + " " + raw);
      check(ex, raw, body);
      ex.getResponseHeaders()
          .add(
              "Date",
              DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().atZone(ZoneOffset.UTC)));
      Canned c = canned.poll();
      if (c != null) {
        byte[] out = c.xml().getBytes(StandardCharsets.UTF_8);
        if (c.declaredLength() >= 0) {
          ex.sendResponseHeaders(c.status(), c.declaredLength());
          // Flushed: newer JDKs drop unflushed headers of a body cut short.
          ex.getResponseBody().flush();
          return; // the client must refuse before reading
        }
        ex.getResponseHeaders().add("Content-Type", "application/xml");
        ex.sendResponseHeaders(c.status(), out.length == 0 ? -1 : out.length);
        ex.getResponseBody().write(out);
        return;
      }
      String prefix = "/" + bucket;
      if (!uri.getRawPath().startsWith(prefix)) {
        error(ex, 404, "NoSuchBucket");
        return;
      }
      String key =
          URLDecoder.decode(uri.getRawPath().substring(prefix.length()), StandardCharsets.UTF_8);
      key = key.startsWith("/") ? key.substring(1) : key;
      synchronized (this) {
        if (key.isEmpty() && ex.getRequestMethod().equals("GET")) {
          list(ex, query(uri.getRawQuery()));
        } else {
          object(ex, key, body);
        }
      }
    }
  }

  private void check(HttpExchange ex, String raw, byte[] body) {
    URI addressed = URI.create("http://" + ex.getRequestHeaders().getFirst("Host") + raw);
    String bad =
        SdkSignatureCheck.verify(
            ex.getRequestMethod(), addressed, ex.getRequestHeaders(), body, ACCESS_KEY, SECRET_KEY);
    if (bad != null) {
      problems.add(raw + ": " + bad);
    }
    String sha = ex.getRequestHeaders().getFirst("x-amz-content-sha256");
    try {
      String real = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
      if (!real.equals(sha)) {
        problems.add(raw + ": x-amz-content-sha256 " + sha + " is not the body's " + real);
      }
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    if (!ACCOUNT.equals(ex.getRequestHeaders().getFirst("x-amz-expected-bucket-owner"))) {
      problems.add(raw + ": no x-amz-expected-bucket-owner " + ACCOUNT);
    }
  }

  private void object(HttpExchange ex, String key, byte[] body) throws IOException {
    Stored current = objects.get(key);
    String ifMatch = ex.getRequestHeaders().getFirst("If-Match");
    String ifNoneMatch = ex.getRequestHeaders().getFirst("If-None-Match");
    switch (ex.getRequestMethod()) {
      case "GET" -> {
        if (current == null) {
          error(ex, 404, "NoSuchKey");
          return;
        }
        ex.getResponseHeaders().add("ETag", current.etag());
        ex.getResponseHeaders()
            .add(
                "Last-Modified",
                DateTimeFormatter.RFC_1123_DATE_TIME.format(
                    current.modified().atZone(ZoneOffset.UTC)));
        ex.sendResponseHeaders(200, current.data().length == 0 ? -1 : current.data().length);
        ex.getResponseBody().write(current.data());
      }
      case "PUT" -> {
        if ("*".equals(ifNoneMatch) && current != null) {
          error(ex, 412, "PreconditionFailed");
        } else if (ifMatch != null && current == null) {
          error(ex, 404, "NoSuchKey");
        } else if (ifMatch != null && !ifMatch.equals(current.etag())) {
          error(ex, 412, "PreconditionFailed");
        } else {
          put(key, body);
          ex.getResponseHeaders().add("ETag", objects.get(key).etag());
          ex.sendResponseHeaders(200, -1);
        }
      }
      case "DELETE" -> {
        if (ifMatch != null && current == null) {
          error(ex, 404, "NoSuchKey");
        } else if (ifMatch != null && !ifMatch.equals(current.etag())) {
          error(ex, 412, "PreconditionFailed");
        } else {
          objects.remove(key);
          ex.sendResponseHeaders(204, -1);
        }
      }
      default -> error(ex, 405, "MethodNotAllowed");
    }
  }

  /** ListObjectsV2: {@code pageSize} keys a page; the token is the next page's first key. */
  private void list(HttpExchange ex, Map<String, String> q) throws IOException {
    if (!"2".equals(q.get("list-type"))) {
      error(ex, 400, "InvalidArgument");
      return;
    }
    String prefix = q.getOrDefault("prefix", "");
    String from = q.get("continuation-token");
    List<String> keys =
        objects.tailMap(from == null ? prefix : from, true).keySet().stream()
            .filter(k -> k.startsWith(prefix))
            .toList();
    boolean truncated = keys.size() > pageSize;
    StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.append("<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    boolean url = "url".equals(q.get("encoding-type"));
    if (url) {
      xml.append("<EncodingType>url</EncodingType>");
    }
    xml.append("<IsTruncated>").append(truncated).append("</IsTruncated>");
    for (String k : keys.subList(0, Math.min(pageSize, keys.size()))) {
      String shown = url ? java.net.URLEncoder.encode(k, StandardCharsets.UTF_8) : escape(k);
      xml.append("<Contents><Key>").append(shown).append("</Key></Contents>");
    }
    if (truncated) {
      xml.append("<NextContinuationToken>")
          .append(escape(keys.get(pageSize)))
          .append("</NextContinuationToken>");
    }
    xml.append("</ListBucketResult>");
    byte[] out = xml.toString().getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(200, out.length);
    ex.getResponseBody().write(out);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static void error(HttpExchange ex, int status, String code) throws IOException {
    byte[] out =
        ("<Error><Code>" + code + "</Code><Message>" + code + " here</Message></Error>")
            .getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, out.length);
    ex.getResponseBody().write(out);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> m = new HashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        String k = eq < 0 ? pair : pair.substring(0, eq);
        String v = eq < 0 ? "" : pair.substring(eq + 1);
        m.put(
            URLDecoder.decode(k, StandardCharsets.UTF_8),
            URLDecoder.decode(v.replace("+", "%2B"), StandardCharsets.UTF_8));
      }
    }
    return m;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
