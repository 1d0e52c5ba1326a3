package dev.unideploy.it.aws.upload;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * A small stand-in for the EC2 query API's VM Import calls, which moto lacks: ImportSnapshot and
 * DescribeImportSnapshotTasks (and DescribeSnapshots for the snapshots it "imports"), answering in
 * the XML shapes of the EC2 API reference. At ImportSnapshot it reads the staged object from S3
 * (moto), so a test can check what was staged; tasks go active → completed over three polls.
 */
final class FakeImportSnapshotEc2 implements AutoCloseable {
  private static final String NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

  /** What an ImportSnapshot call named, and the SHA-256 of the object it found there. */
  record Imported(String format, String bucket, String key, String role, String objectSha256) {}

  private final HttpServer server;
  private final S3Client s3;
  private final Map<String, Imported> tasks = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
  private final Map<String, String> byToken = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger(0x1000);
  private volatile boolean roleMissing;
  private volatile String failTasksWith;

  FakeImportSnapshotEc2(S3Client s3) throws IOException {
    this.s3 = s3;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext("/", this::handle);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** ImportSnapshot fails as AWS does when the vmimport role does not exist. */
  void roleMissing(boolean missing) {
    this.roleMissing = missing;
  }

  /** Tasks end in {@code deleted} with this status message instead of completing. */
  void failTasksWith(String message) {
    this.failTasksWith = message;
  }

  Map<String, Imported> tasks() {
    return Map.copyOf(tasks);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Map<String, String> form =
          parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      String action = form.getOrDefault("Action", "");
      switch (action) {
        case "ImportSnapshot" -> importSnapshot(ex, form);
        case "DescribeImportSnapshotTasks" -> describeTasks(ex, form);
        case "DescribeSnapshots" -> describeSnapshots(ex, form);
        default ->
            error(
                ex,
                400,
                "InvalidAction",
                "The action " + action + " is not valid for this web service.");
      }
    }
  }

  private void importSnapshot(HttpExchange ex, Map<String, String> form) throws IOException {
    String role = form.getOrDefault("RoleName", "vmimport");
    if (roleMissing) {
      error(
          ex,
          400,
          "InvalidParameter",
          "The service role "
              + role
              + " provided does not exist or does not have sufficient permissions");
      return;
    }
    String bucket = form.get("DiskContainer.UserBucket.S3Bucket");
    String key = form.get("DiskContainer.UserBucket.S3Key");
    String format = form.get("DiskContainer.Format");
    String token = form.get("ClientToken");
    String id = token == null ? null : byToken.get(token);
    if (id == null) {
      ResponseBytes<GetObjectResponse> object;
      try {
        object = s3.getObjectAsBytes(g -> g.bucket(bucket).key(key));
      } catch (RuntimeException e) {
        error(
            ex,
            400,
            "InvalidParameter",
            "The given S3 object is not accessible: " + bucket + "/" + key);
        return;
      }
      id = "import-snap-" + String.format("%017x", ids.incrementAndGet());
      tasks.put(id, new Imported(format, bucket, key, role, sha256(object.asByteArray())));
      polls.put(id, new AtomicInteger());
      if (token != null) {
        byToken.put(token, id);
      }
    }
    Imported t = tasks.get(id);
    xml(
        ex,
        "ImportSnapshotResponse",
        "<description>"
            + esc(form.getOrDefault("Description", ""))
            + "</description><importTaskId>"
            + id
            + "</importTaskId>"
            + detail(id, t, "active", "0", "pending", null)
            + "<tagSet/>");
  }

  private void describeTasks(HttpExchange ex, Map<String, String> form) throws IOException {
    StringBuilder items = new StringBuilder();
    for (int i = 1; form.containsKey("ImportTaskId." + i); i++) {
      String id = form.get("ImportTaskId." + i);
      Imported t = tasks.get(id);
      if (t == null) {
        error(
            ex,
            400,
            "InvalidConversionTaskId.Malformed",
            "The import task ID '" + id + "' is malformed.");
        return;
      }
      int n = polls.get(id).incrementAndGet();
      String status;
      String progress;
      String message;
      String snapshot = null;
      if (n < 3) {
        status = "active";
        progress = n == 1 ? "19" : "73";
        message = n == 1 ? "pending" : "converting";
      } else if (failTasksWith != null) {
        status = "deleted";
        progress = null;
        message = failTasksWith;
      } else {
        status = "completed";
        progress = null;
        message = null;
        snapshot = snapshotId(id);
      }
      items
          .append("<item><description>unideploy</description><importTaskId>")
          .append(id)
          .append("</importTaskId>")
          .append(detail(id, t, status, progress, message, snapshot))
          .append("<tagSet/></item>");
    }
    xml(
        ex,
        "DescribeImportSnapshotTasksResponse",
        "<importSnapshotTaskSet>" + items + "</importSnapshotTaskSet>");
  }

  private void describeSnapshots(HttpExchange ex, Map<String, String> form) throws IOException {
    String wanted = form.get("SnapshotId.1");
    for (String id : tasks.keySet()) {
      if (snapshotId(id).equals(wanted) && polls.get(id).get() >= 3 && failTasksWith == null) {
        xml(
            ex,
            "DescribeSnapshotsResponse",
            "<snapshotSet><item><snapshotId>"
                + wanted
                + "</snapshotId><status>completed</status><progress>100%</progress>"
                + "<volumeSize>1</volumeSize><encrypted>false</encrypted></item></snapshotSet>");
        return;
      }
    }
    error(ex, 400, "InvalidSnapshot.NotFound", "The snapshot '" + wanted + "' does not exist.");
  }

  static String snapshotId(String taskId) {
    return "snap-" + taskId.substring("import-snap-".length());
  }

  private static String detail(
      String id, Imported t, String status, String progress, String message, String snapshot) {
    return "<snapshotTaskDetail><diskImageSize>1048576.0</diskImageSize><format>"
        + t.format()
        + "</format>"
        + (progress == null ? "" : "<progress>" + progress + "</progress>")
        + (snapshot == null ? "" : "<snapshotId>" + snapshot + "</snapshotId>")
        + "<status>"
        + status
        + "</status>"
        + (message == null ? "" : "<statusMessage>" + esc(message) + "</statusMessage>")
        + "<userBucket><s3Bucket>"
        + esc(t.bucket())
        + "</s3Bucket><s3Key>"
        + esc(t.key())
        + "</s3Key></userBucket></snapshotTaskDetail>";
  }

  private static void xml(HttpExchange ex, String root, String inner) throws IOException {
    send(
        ex,
        200,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<"
            + root
            + " xmlns=\""
            + NS
            + "\"><requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>"
            + inner
            + "</"
            + root
            + ">");
  }

  private static void error(HttpExchange ex, int status, String code, String message)
      throws IOException {
    send(
        ex,
        status,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>"
            + code
            + "</Code><Message>"
            + esc(message)
            + "</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>");
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] out = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "text/xml;charset=UTF-8");
    ex.sendResponseHeaders(status, out.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(out);
    }
  }

  private static Map<String, String> parse(String form) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : form.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(
            java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  static String sha256(byte[] data) {
    return HexFormat.of().formatHex(EbsCheckingProxy.sha256(data));
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
