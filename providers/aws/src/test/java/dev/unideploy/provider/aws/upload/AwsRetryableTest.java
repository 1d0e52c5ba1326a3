package dev.unideploy.provider.aws.upload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.provider.aws.AwsRetryable;
import java.io.IOException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

class AwsRetryableTest {
  @Test
  void throttlingAndServerErrorsAreRetried() {
    assertThat(AwsRetryable.isRetryable(FakeEbs.error(429, "ThrottlingException", "x"))).isTrue();
    assertThat(AwsRetryable.isRetryable(FakeEbs.error(400, "RequestLimitExceeded", "x"))).isTrue();
    assertThat(AwsRetryable.isRetryable(FakeEbs.error(400, "RequestThrottledException", "x")))
        .isTrue();
    assertThat(AwsRetryable.isRetryable(FakeEbs.error(500, "InternalServerException", "x")))
        .isTrue();
    assertThat(AwsRetryable.isRetryable(FakeEbs.error(503, "ServiceUnavailable", "x"))).isTrue();
  }

  @Test
  void clientMistakesAreNot() {
    assertThat(AwsRetryable.isRetryable(FakeEbs.error(400, "ValidationException", "x"))).isFalse();
    assertThat(AwsRetryable.isRetryable(FakeEbs.error(403, "AccessDeniedException", "x")))
        .isFalse();
    assertThat(AwsRetryable.isRetryable(FakeEbs.error(404, "ResourceNotFoundException", "x")))
        .isFalse();
    assertThat(AwsRetryable.isRetryable(new IllegalStateException("bug"))).isFalse();
  }

  @Test
  void ioAndTimeoutsAreRetriedButMissingCredentialsAndInterruptsAreNot() {
    assertThat(
            AwsRetryable.isRetryable(
                SdkClientException.create("read", new SocketTimeoutException("Read timed out"))))
        .isTrue();
    assertThat(AwsRetryable.isRetryable(SdkClientException.create("reset", new IOException("x"))))
        .isTrue();
    assertThat(AwsRetryable.isRetryable(ApiCallAttemptTimeoutException.create(1000))).isTrue();
    assertThat(AwsRetryable.isRetryable(SdkClientException.create("Unable to load credentials")))
        .isFalse();
    assertThat(AwsRetryable.isRetryable(AbortedException.create("interrupted"))).isFalse();
  }

  @Test
  void describesServiceErrorsByCodeAndMessage() {
    assertThat(AwsRetryable.describe(FakeEbs.error(400, "ValidationException", "bad block")))
        .isEqualTo("ValidationException: bad block");
  }
}
