package dev.unideploy.provider.aws.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unideploy.provider.aws.http.HttpResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.ebs.model.EbsException;

/**
 * Turns an EBS error response (REST-JSON: the code in {@code x-amzn-ErrorType} or the body's {@code
 * __type}/{@code code}, the text in {@code message}) into the {@link EbsException} the SDK would
 * have thrown, so that retry decisions and messages do not depend on which client sent the call.
 * The body is read only for those fields: it is never put in a message whole.
 */
final class EbsErrors {
  private EbsErrors() {}

  static EbsException fromResponse(HttpResult response) {
    String code = response.header("x-amzn-ErrorType").map(EbsErrors::bare).orElse(null);
    String message = null;
    byte[] body = response.body();
    if (body != null && body.length > 0 && body.length < 64 * 1024) {
      try {
        JsonNode json = new ObjectMapper().readTree(new String(body, StandardCharsets.UTF_8));
        if (json != null && json.isObject()) {
          if (code == null) {
            code = bare(text(json, "__type", "code", "Code"));
          }
          message = text(json, "message", "Message");
        }
      } catch (IOException notJson) {
        // a proxy's HTML page or an empty 5xx: the status code alone has to do
      }
    }
    String requestId = response.header("x-amzn-RequestId").orElse(null);
    AwsErrorDetails details =
        AwsErrorDetails.builder().errorCode(code).errorMessage(message).serviceName("Ebs").build();
    return (EbsException)
        EbsException.builder()
            .statusCode(response.status())
            .requestId(requestId)
            .awsErrorDetails(details)
            .message(
                (code == null ? "HTTP " + response.status() : code)
                    + (message == null ? "" : ": " + message))
            .build();
  }

  /** "ThrottlingException:http://internal..." and "aws.ebs#ThrottlingException" → the name. */
  private static String bare(String type) {
    if (type == null) {
      return null;
    }
    int colon = type.indexOf(':');
    String t = colon >= 0 ? type.substring(0, colon) : type;
    int hash = t.lastIndexOf('#');
    return hash >= 0 ? t.substring(hash + 1) : t;
  }

  private static String text(JsonNode json, String... names) {
    for (String n : names) {
      JsonNode v = json.get(n);
      if (v != null && v.isTextual()) {
        return v.asText();
      }
    }
    return null;
  }
}
