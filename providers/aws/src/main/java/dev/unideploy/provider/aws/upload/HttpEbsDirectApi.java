package dev.unideploy.provider.aws.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unideploy.provider.aws.http.HttpResult;
import dev.unideploy.provider.aws.http.RequestSender;
import dev.unideploy.provider.aws.http.SignedHttp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * The EBS direct API as signed HTTP requests ({@link SignedHttp}), without the SDK's request
 * pipeline. The SDK spent about 4 ms of CPU per PutSnapshotBlock on interceptors, endpoint rules,
 * signing and its HTTP client, and building its client and running its first call cost more than a
 * second of CPU; that made a 1 GiB upload cost 2.5x coldsnap's CPU (BENCHMARKS.md, "AWS upload").
 * Here a block costs SigV4 with the block's SHA-256, computed for the EBS checksum anyway, as the
 * signed payload hash.
 *
 * <p>The requests are the ones the EBS API reference defines
 * (https://docs.aws.amazon.com/ebs/latest/APIReference/): REST-JSON, SigV4 for service {@code ebs};
 * errors become the SDK's {@code EbsException} ({@link EbsErrors}).
 */
public final class HttpEbsDirectApi implements EbsDirectApi {
  private static final Pattern SNAPSHOT_ID = Pattern.compile("snap-[0-9a-zA-Z]{1,64}");
  private static final HexFormat HEX = HexFormat.of();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RequestSender http;

  /**
   * @param http ({@link SignedHttp} in production) the EBS endpoint of the snapshot's region,
   *     signing as service {@code ebs}
   */
  public HttpEbsDirectApi(RequestSender http) {
    this.http = http;
  }

  @Override
  public Started startSnapshot(StartRequest request) {
    ObjectNode body = JSON.createObjectNode();
    body.put("VolumeSize", request.volumeGib());
    body.put("ClientToken", request.clientToken());
    body.put("Timeout", request.timeoutMinutes());
    if (request.description() != null) {
      body.put("Description", request.description());
    }
    if (!request.tags().isEmpty()) {
      ArrayNode tags = body.putArray("Tags");
      request.tags().forEach((k, v) -> tags.addObject().put("Key", k).put("Value", v));
    }
    if (request.encrypted()) {
      body.put("Encrypted", true);
      if (request.kmsKeyArn() != null) {
        body.put("KmsKeyArn", request.kmsKeyArn());
      }
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    JsonNode answer = json(send("StartSnapshot", "POST", "/snapshots", headers, bytes(body)));
    String id = text(answer, "SnapshotId");
    if (id == null) {
      throw malformed("StartSnapshot", "no SnapshotId");
    }
    return new Started(id, text(answer, "Status"));
  }

  @Override
  public void putSnapshotBlock(String snapshotId, int blockIndex, byte[] data, byte[] sha256) {
    checkSnapshotId(snapshotId);
    if (blockIndex < 0) {
      throw new IllegalArgumentException("negative block index " + blockIndex);
    }
    String checksum = BlockDigests.base64(sha256);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/octet-stream");
    headers.put("x-amz-Checksum", checksum);
    headers.put("x-amz-Checksum-Algorithm", "SHA256");
    headers.put("x-amz-Data-Length", Integer.toString(data.length));
    HttpResult response =
        send(
            "PutSnapshotBlock",
            "PUT",
            "/snapshots/" + snapshotId + "/blocks/" + blockIndex,
            headers,
            data,
            HEX.formatHex(sha256));
    String echoed = response.header("x-amz-Checksum").orElse(null);
    if (echoed != null && !echoed.equals(checksum)) {
      // EBS stores what it received; a different checksum back means the bytes changed on the
      // way. Retrying rewrites the block.
      throw SdkClientException.builder()
          .message("PutSnapshotBlock: EBS acknowledged checksum " + echoed + ", sent " + checksum)
          .cause(new IOException("block checksum mismatch"))
          .build();
    }
  }

  @Override
  public String completeSnapshot(String snapshotId, int changedBlocks, String linearChecksum) {
    checkSnapshotId(snapshotId);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("x-amz-ChangedBlocksCount", Integer.toString(changedBlocks));
    headers.put("x-amz-Checksum", linearChecksum);
    headers.put("x-amz-Checksum-Algorithm", "SHA256");
    headers.put("x-amz-Checksum-Aggregation-Method", "LINEAR");
    JsonNode answer =
        json(
            send(
                "CompleteSnapshot",
                "POST",
                "/snapshots/completion/" + snapshotId,
                headers,
                new byte[0]));
    return text(answer, "Status");
  }

  private HttpResult send(
      String api, String method, String path, Map<String, String> headers, byte[] body) {
    return send(
        api, method, path, headers, body, HEX.formatHex(BlockDigests.sha256().digest(body)));
  }

  /** Signs and sends one request; a non-2xx answer becomes the SDK's EbsException. */
  private HttpResult send(
      String api,
      String method,
      String path,
      Map<String, String> headers,
      byte[] body,
      String payloadSha256Hex) {
    HttpResult response = http.send(api, method, path, headers, body, payloadSha256Hex);
    if (response.status() / 100 != 2) {
      throw EbsErrors.fromResponse(response);
    }
    return response;
  }

  private static void checkSnapshotId(String snapshotId) {
    if (!SNAPSHOT_ID.matcher(snapshotId).matches()) {
      throw new IllegalArgumentException("not an EBS snapshot id: " + snapshotId);
    }
  }

  private static byte[] bytes(JsonNode body) {
    try {
      return JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException("could not serialize a JSON tree", e);
    }
  }

  private static JsonNode json(HttpResult response) {
    try {
      JsonNode node = JSON.readTree(new String(response.body(), StandardCharsets.UTF_8));
      return node == null ? JSON.createObjectNode() : node;
    } catch (IOException e) {
      throw SdkClientException.builder()
          .message("EBS answered HTTP " + response.status() + " with a body that is not JSON")
          .cause(e)
          .build();
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  private static SdkClientException malformed(String api, String what) {
    return SdkClientException.builder().message(api + " answer has " + what).build();
  }
}
