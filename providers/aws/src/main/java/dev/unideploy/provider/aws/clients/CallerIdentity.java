package dev.unideploy.provider.aws.clients;

import dev.unideploy.provider.aws.http.AwsXml;
import dev.unideploy.provider.aws.http.HttpResult;
import dev.unideploy.provider.aws.http.RequestSender;
import dev.unideploy.provider.aws.http.ServiceErrors;
import dev.unideploy.provider.aws.http.SigV4Signer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * STS GetCallerIdentity as one signed Query request
 * (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html), read by {@link
 * AwsXml}. Building the SDK's {@code StsClient} for this one call cost a remote-state publish ~0.5
 * s before its first state request (class-load trace on moto). Errors become the SDK's {@link
 * AwsServiceException} with STS's error code.
 */
final class CallerIdentity {
  private static final byte[] BODY =
      "Action=GetCallerIdentity&Version=2011-06-15".getBytes(StandardCharsets.US_ASCII);

  private CallerIdentity() {}

  /** The account id the credentials {@code sts} signs with belong to. */
  static String account(RequestSender sts) {
    HttpResult r =
        sts.send(
            "GetCallerIdentity",
            "POST",
            "/",
            Map.of("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
            BODY,
            SigV4Signer.payloadHash(BODY));
    Map<String, String> fields = leaves(r.body(), r.status());
    if (r.status() / 100 != 2) {
      throw ServiceErrors.of(r, "Sts", fields.get("Code"), fields.get("Message"));
    }
    String account = fields.get("Account");
    if (account == null) {
      throw SdkClientException.create("GetCallerIdentity answered no Account");
    }
    return account;
  }

  /** The text of the first {@code Account}, {@code Code} and {@code Message} elements. */
  private static Map<String, String> leaves(byte[] xml, int status) {
    Map<String, String> fields = new HashMap<>();
    if (xml.length == 0) {
      return fields;
    }
    try {
      AwsXml.leaves(
          xml,
          (path, text) -> {
            String name = path.substring(path.lastIndexOf('/') + 1);
            if (name.equals("Account") || name.equals("Code") || name.equals("Message")) {
              fields.putIfAbsent(name, text.trim());
            }
          });
      return fields;
    } catch (IOException e) {
      if (status / 100 != 2) {
        return fields; // a proxy's HTML page: the status alone describes the failure
      }
      throw SdkClientException.builder()
          .message("GetCallerIdentity answered HTTP " + status + " with a body that is not XML")
          .cause(e)
          .build();
    }
  }
}
