package dev.unideploy.provider.aws.http;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * Turns an AWS error answer (its status and the body's error {@code Code} and {@code Message}) into
 * the {@link AwsServiceException} the SDK's client would have thrown, so that {@code AwsRetryable}
 * decides about retries and describes failures as for any AWS call. The body is read only for those
 * two fields: it is never put in a message whole.
 */
public final class ServiceErrors {
  private ServiceErrors() {}

  /**
   * @param service the SDK's service name ({@code S3}, {@code Sts})
   * @param code the error code, or null when the body had none
   * @param message the error message, or null
   */
  public static AwsServiceException of(
      HttpResult response, String service, String code, String message) {
    SdkHttpResponse.Builder http = SdkHttpResponse.builder().statusCode(response.status());
    // AWS's Date: AwsRetryable retries a clock-skew refusal only when there is one to correct from.
    response.header("Date").ifPresent(d -> http.putHeader("Date", d));
    return AwsServiceException.builder()
        .statusCode(response.status())
        .requestId(response.header("x-amz-request-id").orElse(null))
        .awsErrorDetails(
            AwsErrorDetails.builder()
                .errorCode(code)
                .errorMessage(message)
                .serviceName(service)
                .sdkHttpResponse(http.build())
                .build())
        .message(
            (code == null ? "HTTP " + response.status() : code)
                + (message == null ? "" : ": " + message))
        .build();
  }
}
