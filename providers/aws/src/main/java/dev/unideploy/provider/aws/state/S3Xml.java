package dev.unideploy.provider.aws.state;

import dev.unideploy.provider.aws.http.AwsXml;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the two XML answers the state store gets from S3: a ListObjectsV2 page
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html) and an error body
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html), walked by {@link AwsXml}.
 */
final class S3Xml {
  private S3Xml() {}

  /** One page of a listing: its keys in the order S3 gave them, and the token of the next. */
  record ListPage(List<String> keys, String nextToken) {}

  /** An error answer's {@code Code} and {@code Message}; either may be null. */
  record Error(String code, String message) {}

  /**
   * @throws IOException the body is not a well-formed ListBucketResult
   */
  static ListPage listPage(byte[] xml) throws IOException {
    List<String> keys = new ArrayList<>();
    Map<String, String> top = new HashMap<>();
    AwsXml.leaves(
        xml,
        (path, text) -> {
          if (path.equals("ListBucketResult/Contents/Key")) {
            keys.add(text);
          } else if (path.startsWith("ListBucketResult/") && path.indexOf('/', 17) < 0) {
            top.put(path.substring(17), text.trim());
          }
        });
    if (!top.containsKey("IsTruncated") && keys.isEmpty() && !top.containsKey("KeyCount")) {
      throw new IOException("the answer is not a ListBucketResult");
    }
    // Asked with encoding-type=url, S3 encodes the keys (they may hold characters XML 1.0 cannot).
    if ("url".equals(top.get("EncodingType"))) {
      keys.replaceAll(k -> URLDecoder.decode(k, StandardCharsets.UTF_8));
    }
    boolean truncated = "true".equals(top.get("IsTruncated"));
    String token = top.get("NextContinuationToken");
    if (truncated && (token == null || token.isEmpty())) {
      throw new IOException("a truncated ListBucketResult without NextContinuationToken");
    }
    return new ListPage(keys, truncated ? token : null);
  }

  /** The code and message of an S3 error body; both null when the body is not one. */
  static Error error(byte[] xml) {
    Map<String, String> fields = new HashMap<>();
    try {
      AwsXml.leaves(
          xml,
          (path, text) -> {
            if (path.equals("Error/Code") || path.equals("Error/Message")) {
              fields.putIfAbsent(path.substring(6), text.trim());
            }
          });
    } catch (IOException notXml) {
      // a proxy's HTML page or an empty 5xx: the status code alone has to do
    }
    return new Error(fields.get("Code"), fields.get("Message"));
  }
}
