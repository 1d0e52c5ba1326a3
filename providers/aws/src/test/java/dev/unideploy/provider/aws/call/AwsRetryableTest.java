package dev.unideploy.provider.aws.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;

/** Which EC2 and EBS direct API failures are retried, and how they are described. */
class AwsRetryableTest {

  private static Ec2Exception ec2(int status, String code) {
    return (Ec2Exception)
        Ec2Exception.builder()
            .statusCode(status)
            .awsErrorDetails(
                AwsErrorDetails.builder().errorCode(code).errorMessage("msg " + code).build())
            .build();
  }

  @Test
  void throttlingAndServerErrorsAreRetried() {
    assertThat(AwsRetryable.INSTANCE.test(ec2(503, "Unavailable"))).isTrue();
    assertThat(AwsRetryable.INSTANCE.test(ec2(500, "InternalError"))).isTrue();
    assertThat(AwsRetryable.INSTANCE.test(ec2(400, "RequestLimitExceeded"))).isTrue();
    assertThat(AwsRetryable.INSTANCE.test(ec2(429, "Whatever"))).isTrue();
  }

  @Test
  void ebsThrottlingAndServerErrorsAreRetried() {
    assertThat(AwsRetryable.isRetryable(AwsErrors.ebs(429, "ThrottlingException", "x"))).isTrue();
    assertThat(AwsRetryable.isRetryable(AwsErrors.ebs(400, "RequestLimitExceeded", "x"))).isTrue();
    assertThat(AwsRetryable.isRetryable(AwsErrors.ebs(400, "RequestThrottledException", "x")))
        .isTrue();
    assertThat(AwsRetryable.isRetryable(AwsErrors.ebs(500, "InternalServerException", "x")))
        .isTrue();
    assertThat(AwsRetryable.isRetryable(AwsErrors.ebs(503, "ServiceUnavailable", "x"))).isTrue();
  }

  @Test
  void clientErrorsAreNot() {
    assertThat(AwsRetryable.INSTANCE.test(ec2(400, "InvalidParameterValue"))).isFalse();
    assertThat(AwsRetryable.INSTANCE.test(ec2(403, "UnauthorizedOperation"))).isFalse();
    assertThat(AwsRetryable.INSTANCE.test(ec2(400, "InvalidAMIName.Duplicate"))).isFalse();
  }

  @Test
  void ebsClientMistakesAndBugsAreNot() {
    assertThat(AwsRetryable.isRetryable(AwsErrors.ebs(400, "ValidationException", "x"))).isFalse();
    assertThat(AwsRetryable.isRetryable(AwsErrors.ebs(403, "AccessDeniedException", "x")))
        .isFalse();
    assertThat(AwsRetryable.isRetryable(AwsErrors.ebs(404, "ResourceNotFoundException", "x")))
        .isFalse();
    assertThat(AwsRetryable.isRetryable(new IllegalStateException("bug"))).isFalse();
  }

  @Test
  void networkFailuresAndAttemptTimeoutsAreRetriedButMissingCredentialsAreNot() {
    assertThat(
            AwsRetryable.isRetryable(
                SdkClientException.create("connect", new ConnectException("refused"))))
        .isTrue();
    assertThat(
            AwsRetryable.isRetryable(
                SdkClientException.create("read", new SocketTimeoutException("Read timed out"))))
        .isTrue();
    assertThat(AwsRetryable.isRetryable(SdkClientException.create("io", new IOException("reset"))))
        .isTrue();
    assertThat(AwsRetryable.isRetryable(ApiCallAttemptTimeoutException.create(1000))).isTrue();
    assertThat(AwsRetryable.isRetryable(SdkClientException.create("Unable to load credentials")))
        .isFalse();
    assertThat(AwsRetryable.isRetryable(AbortedException.create("interrupted"))).isFalse();
  }

  @Test
  void describeGivesCodeAndMessageOnly() {
    assertThat(AwsRetryable.describe(ec2(403, "UnauthorizedOperation")))
        .isEqualTo("UnauthorizedOperation: msg UnauthorizedOperation");
    assertThat(AwsRetryable.describe(AwsErrors.ebs(400, "ValidationException", "bad block")))
        .isEqualTo("ValidationException: bad block");
    assertThat(AwsRetryable.errorCode(ec2(400, "X"))).isEqualTo("X");
    assertThat(AwsRetryable.errorCode(new IllegalStateException())).isNull();
  }
}
