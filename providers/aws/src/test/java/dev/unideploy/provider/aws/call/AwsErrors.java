package dev.unideploy.provider.aws.call;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.ebs.model.EbsException;

/** Service errors as the AWS SDK raises them, for tests and fakes. */
public final class AwsErrors {
  private AwsErrors() {}

  /** An EBS direct API error with this HTTP status, error code and message. */
  public static EbsException ebs(int status, String code, String message) {
    return (EbsException)
        EbsException.builder()
            .statusCode(status)
            .message(message)
            .awsErrorDetails(
                AwsErrorDetails.builder().errorCode(code).errorMessage(message).build())
            .build();
  }
}
