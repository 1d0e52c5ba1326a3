package dev.unideploy.provider.aws.http;

import java.util.Map;

/** Sends one signed request to an AWS endpoint and returns the answer, whatever its status. */
public interface RequestSender {
  /** The largest answer read by default: API answers are far smaller. */
  int DEFAULT_MAX_RESPONSE_BYTES = Http1Connection.MAX_BODY;

  /**
   * Signs and sends {@code method path} with {@code headers} and {@code body}, whose SHA-256 is
   * {@code payloadSha256Hex}, and reads an answer of up to {@link #DEFAULT_MAX_RESPONSE_BYTES}.
   *
   * @param api the API name for messages, e.g. {@code PutSnapshotBlock}
   * @param path the path under the endpoint's own, already percent-encoded, with an optional {@code
   *     ?query} (percent-encoded too)
   * @throws IllegalArgumentException when a header value holds a control character (nothing is
   *     sent)
   */
  default HttpResult send(
      String api,
      String method,
      String path,
      Map<String, String> headers,
      byte[] body,
      String payloadSha256Hex) {
    return send(api, method, path, headers, body, payloadSha256Hex, DEFAULT_MAX_RESPONSE_BYTES);
  }

  /**
   * As {@link #send(String, String, String, Map, byte[], String)}, reading an answer body of up to
   * {@code maxResponseBytes}; a larger one fails (an {@code SdkClientException} caused by {@link
   * ResponseTooLargeException}).
   */
  HttpResult send(
      String api,
      String method,
      String path,
      Map<String, String> headers,
      byte[] body,
      String payloadSha256Hex,
      int maxResponseBytes);
}
