package dev.unideploy.provider.aws.http;

import java.util.Map;

/** Sends one signed request to an AWS endpoint and returns the answer, whatever its status. */
public interface RequestSender {
  /**
   * Signs and sends {@code method path} with {@code headers} and {@code body}, whose SHA-256 is
   * {@code payloadSha256Hex}.
   *
   * @param api the API name for messages, e.g. {@code PutSnapshotBlock}
   * @param path the path under the endpoint's own, already percent-encoded
   * @throws IllegalArgumentException when a header value holds a control character (nothing is
   *     sent)
   */
  HttpResult send(
      String api,
      String method,
      String path,
      Map<String, String> headers,
      byte[] body,
      String payloadSha256Hex);
}
