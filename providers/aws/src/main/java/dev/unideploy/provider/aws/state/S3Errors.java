package dev.unideploy.provider.aws.state;

import dev.unideploy.provider.aws.http.HttpResult;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * Turns an S3 error answer (status, and the XML body's {@code Code} and {@code Message}) into the
 * {@link AwsServiceException} the SDK's S3 client would have thrown, so that {@code AwsRetryable}
 * decides about retries and describes failures as for any AWS call. The generic type, not the S3
 * model's {@code S3Exception}: the state store loads no S3 model class. The body is read only for
 * those two fields: it is never put in a message whole.
 */
final class S3Errors {
  private S3Errors() {}

  static AwsServiceException fromResponse(HttpResult response) {
    S3Xml.Error error = S3Xml.error(response.body());
    SdkHttpResponse.Builder http = SdkHttpResponse.builder().statusCode(response.status());
    // AWS's Date: AwsRetryable retries a clock-skew refusal only when there is one to correct from.
    response.header("Date").ifPresent(d -> http.putHeader("Date", d));
    return AwsServiceException.builder()
        .statusCode(response.status())
        .requestId(response.header("x-amz-request-id").orElse(null))
        .awsErrorDetails(
            AwsErrorDetails.builder()
                .errorCode(error.code())
                .errorMessage(error.message())
                .serviceName("S3")
                .sdkHttpResponse(http.build())
                .build())
        .message(
            (error.code() == null ? "HTTP " + response.status() : error.code())
                + (error.message() == null ? "" : ": " + error.message()))
        .build();
  }
}
