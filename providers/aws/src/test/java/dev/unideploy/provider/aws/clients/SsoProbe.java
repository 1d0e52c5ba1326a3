package dev.unideploy.provider.aws.clients;

import dev.unideploy.provider.aws.settings.AwsCredentialSettings;
import dev.unideploy.provider.aws.settings.AwsSettings;
import java.util.List;

/**
 * Resolves the credentials of the profile named in args[0] the way a publish does, in a JVM whose
 * HOME and AWS_* environment the test sets, and prints the access key id (never the secret).
 */
public final class SsoProbe {
  private SsoProbe() {}

  public static void main(String[] args) {
    AwsSettings settings =
        new AwsSettings(
            "us-east-1",
            null,
            null,
            null,
            new AwsCredentialSettings(args[0], null, null, null, null),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    try (AwsClients clients = new AwsClients(settings, List.of())) {
      System.out.println(
          "accessKeyId=" + clients.credentials("us-east-1").resolveCredentials().accessKeyId());
    }
  }
}
