package dev.unideploy.provider.aws.state;

import dev.unideploy.provider.aws.http.HttpResult;
import dev.unideploy.provider.aws.http.ServiceErrors;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * Turns an S3 error answer into the {@link AwsServiceException} the SDK's S3 client would have
 * thrown ({@link ServiceErrors}). The generic type, not the S3 model's {@code S3Exception}: the
 * state store loads no S3 model class.
 */
final class S3Errors {
  private S3Errors() {}

  static AwsServiceException fromResponse(HttpResult response) {
    S3Xml.Error error = S3Xml.error(response.body());
    return ServiceErrors.of(response, "S3", error.code(), error.message());
  }
}
