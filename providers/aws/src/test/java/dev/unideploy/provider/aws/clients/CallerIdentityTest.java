package dev.unideploy.provider.aws.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.provider.aws.call.AwsRetryable;
import dev.unideploy.provider.aws.http.HttpResult;
import dev.unideploy.provider.aws.http.RequestSender;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

class CallerIdentityTest {
  private final List<String> sent = new ArrayList<>();

  private RequestSender answering(int status, String xml) {
    return (api, method, path, headers, body, sha, max) -> {
      sent.add(method + " " + path + " " + new String(body, StandardCharsets.UTF_8));
      return new HttpResult(
          status,
          Map.of("date", "Mon, 07 Dec 2026 03:00:00 GMT"),
          xml.getBytes(StandardCharsets.UTF_8));
    };
  }

  @Test
  void readsTheAccountOfTheSigningCredentials() {
    String account =
        CallerIdentity.account(
            answering(
                200,
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                    + "<GetCallerIdentityResult><Arn>arn:aws:sts::210987654321:assumed-role/ci/x"
                    + "</Arn><UserId>AROA:x</UserId><Account>210987654321</Account>"
                    + "</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId>"
                    + "</ResponseMetadata></GetCallerIdentityResponse>"));
    assertThat(account).isEqualTo("210987654321");
    assertThat(sent).containsExactly("POST / Action=GetCallerIdentity&Version=2011-06-15");
  }

  @Test
  void refusalsBecomeServiceErrorsWithStssCode() {
    assertThatThrownBy(
            () ->
                CallerIdentity.account(
                    answering(
                        403,
                        "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code>"
                            + "<Message>The security token included in the request is expired"
                            + "</Message></Error><RequestId>r</RequestId></ErrorResponse>")))
        .isInstanceOfSatisfying(
            AwsServiceException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(403);
              assertThat(AwsRetryable.describe(e))
                  .isEqualTo("ExpiredToken: The security token included in the request is expired");
              assertThat(AwsRetryable.isRetryable(e)).isFalse();
            });
    assertThatThrownBy(() -> CallerIdentity.account(answering(503, "<html>busy</html>")))
        .isInstanceOfSatisfying(
            AwsServiceException.class, e -> assertThat(AwsRetryable.isRetryable(e)).isTrue());
  }

  @Test
  void anAnswerWithADoctypeOrWithoutAnAccountIsRefused() {
    assertThatThrownBy(
            () ->
                CallerIdentity.account(
                    answering(
                        200,
                        "<!DOCTYPE r [<!ENTITY a \"123456789012\">]>"
                            + "<GetCallerIdentityResponse><Account>&a;</Account>"
                            + "</GetCallerIdentityResponse>")))
        .hasMessageContaining("not XML");
    assertThatThrownBy(() -> CallerIdentity.account(answering(200, "<GetCallerIdentityResponse/>")))
        .hasMessageContaining("no Account");
  }
}
