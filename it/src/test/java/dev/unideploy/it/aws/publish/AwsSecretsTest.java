package dev.unideploy.it.aws.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.aws.publish.MotoPublish.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Temporary credentials from a profile (key, secret, session token: the upload and the home region
 * use them) and a role's external id (the copy region assumes the role) are used for a publish
 * whose copy fails, and none of the secrets (nor a signature) shows up in an event, a journal
 * entry, an error message or the result document.
 */
class AwsSecretsTest {
  private static final String SECRET = "sEcReT/KeY+0123456789abcdefghijklmnopqrs";
  private static final String TOKEN = "SeSsIoNtOkEn//0123456789+abcdefghijklmnopqrstuvwxyz==";
  private static final String EXTERNAL_ID = "ext-id-kept-private-42";

  @TempDir Path dir;

  @Test
  void noSecretReachesEventsJournalErrorsOrTheResult() throws Exception {
    Path credentials = dir.resolve("credentials");
    Files.writeString(
        credentials,
        """
        [leak-check]
        aws_access_key_id = ASIAIOSFODNN7LEAKCHK
        aws_secret_access_key = %s
        aws_session_token = %s
        """
            .formatted(SECRET, TOKEN));
    String app = MotoPublish.uniqueApp("secrets");
    var config =
        MotoPublish.twoRegions(
            dir,
            app,
            MotoPublish.endpoint().toString(),
            """
            credentials:
              profile: leak-check
              regions:
                eu-west-1:
                  roleArn: arn:aws:iam::123456789012:role/unideploy-publish
                  externalId: %s
            """
                .formatted(EXTERNAL_ID));
    String saved = System.getProperty("aws.sharedCredentialsFile");
    System.setProperty("aws.sharedCredentialsFile", credentials.toString());
    Run run;
    try {
      run =
          MotoPublish.publish(
              config,
              MotoPublish.disk(dir, 91),
              dir.resolve("w"),
              false,
              List.of(new FailingInterceptor("CopyImage", "eu-west-1")));
    } finally {
      if (saved == null) {
        System.clearProperty("aws.sharedCredentialsFile");
      } else {
        System.setProperty("aws.sharedCredentialsFile", saved);
      }
    }

    // The run did use the profile and reached an error path, so there was something to leak.
    assertThat(run.result().get("failedRegions")).as(run.log()).isEqualTo(List.of("eu-west-1"));
    assertThat((String) run.region("eu-west-1").get("error")).contains("UnauthorizedOperation");
    assertThat(run.imageId("us-east-1")).startsWith("ami-");
    String everything = run.log() + "\n" + run.journal().entries() + "\n" + run.result();
    for (String secret :
        List.of(SECRET, TOKEN, EXTERNAL_ID, "Signature=", "X-Amz-Security-Token")) {
      assertThat(everything).as("must not contain %s", secret).doesNotContain(secret);
    }
  }
}
