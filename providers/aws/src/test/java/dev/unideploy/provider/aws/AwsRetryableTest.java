package dev.unideploy.provider.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;

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
  void clientErrorsAreNot() {
    assertThat(AwsRetryable.INSTANCE.test(ec2(400, "InvalidParameterValue"))).isFalse();
    assertThat(AwsRetryable.INSTANCE.test(ec2(403, "UnauthorizedOperation"))).isFalse();
    assertThat(AwsRetryable.INSTANCE.test(ec2(400, "InvalidAMIName.Duplicate"))).isFalse();
  }

  @Test
  void networkFailuresAndAttemptTimeoutsAreRetriedButMissingCredentialsAreNot() {
    assertThat(
            AwsRetryable.isRetryable(
                SdkClientException.create("connect", new ConnectException("refused"))))
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
    assertThat(AwsRetryable.errorCode(ec2(400, "X"))).isEqualTo("X");
    assertThat(AwsRetryable.errorCode(new IllegalStateException())).isNull();
  }
}
