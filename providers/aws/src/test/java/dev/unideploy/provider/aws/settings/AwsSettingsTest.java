package dev.unideploy.provider.aws.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.provider.aws.AwsProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AwsSettingsTest {
  @TempDir Path dir;

  private AwsSettings bind(String awsSection) throws IOException {
    return config(awsSection).providerSettings("aws", AwsSettings.class);
  }

  private DeployConfig config(String awsSection) throws IOException {
    String indented = awsSection.strip().indent(4);
    Path file = dir.resolve("unideploy.yaml");
    Files.writeString(file, "app: demo\nversion: \"1\"\nproviders:\n  aws:\n" + indented);
    return ConfigLoader.load(file);
  }

  @Test
  void emptySectionGivesSafeDefaults() {
    AwsSettings s = AwsSettings.defaults();
    assertThat(s.region()).isNull();
    assertThat(s.copyTo()).isEmpty();
    assertThat(s.image().volumeType()).isEqualTo("gp3");
    assertThat(s.image().rootDevice()).isEqualTo("/dev/xvda");
    assertThat(s.image().ena()).isTrue();
    assertThat(s.image().sriov()).isTrue();
    assertThat(s.image().tpm()).isFalse();
    assertThat(s.image().imdsV2Only()).isTrue();
    assertThat(s.share().any()).isFalse();
    assertThat(s.share().isPublic()).isFalse();
    assertThat(s.latestParameter()).isNull();
    assertThat(s.copyParallelism()).isEqualTo(4);
    assertThat(s.timeouts().apiCallAttempt()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.upload().method()).isEqualTo("ebs-direct");
  }

  @Test
  void bindsAFullSection() throws IOException {
    AwsSettings s =
        bind(
            """
            region: us-east-1
            copyTo: [eu-west-1, us-east-1, ap-southeast-2, eu-west-1]
            endpoint: http://127.0.0.1:5000
            credentials:
              profile: deploy
              roleArn: arn:aws:iam::123456789012:role/publish
              externalId: s3cret-ext
              regions:
                ap-southeast-2: {roleArn: "arn:aws:iam::210987654321:role/publish"}
            image: {volumeSize: 4, volumeType: GP3, tpm: true, imdsV2Only: false}
            share:
              accounts: ["111122223333", 444455556666]
              organizations: ["arn:aws:organizations::123456789012:organization/o-abcdefghij"]
            latestParameter: true
            deprecateAfter: 365d
            copyParallelism: 2
            timeouts: {apiCall: 5m, apiCallAttempt: 45s}
            waits: {available: PT20M, copy: 2h, pollInterval: 10}
            retry: {maxAttempts: 5, callsPerSecond: 2.5}
            upload: {concurrency: 8}
            """);
    assertThat(s.region()).isEqualTo("us-east-1");
    // The home region and repeats drop out of the copy list; order stays as written.
    assertThat(s.copyTo()).containsExactly("eu-west-1", "ap-southeast-2");
    assertThat(s.allRegions("us-east-1"))
        .containsExactly("us-east-1", "eu-west-1", "ap-southeast-2");
    assertThat(s.endpoint()).isEqualTo(URI.create("http://127.0.0.1:5000"));
    assertThat(s.credentials().roleFor("us-east-1").roleArn())
        .isEqualTo("arn:aws:iam::123456789012:role/publish");
    assertThat(s.credentials().roleFor("ap-southeast-2").roleArn())
        .isEqualTo("arn:aws:iam::210987654321:role/publish");
    assertThat(s.image().volumeType()).isEqualTo("gp3");
    assertThat(s.image().volumeSize()).isEqualTo(4);
    assertThat(s.image().tpm()).isTrue();
    assertThat(s.image().imdsV2Only()).isFalse();
    assertThat(s.share().accounts()).containsExactly("111122223333", "444455556666");
    assertThat(s.latestParameter()).isEqualTo("/unideploy/{app}/latest");
    assertThat(s.deprecateAfter()).isEqualTo(Duration.ofDays(365));
    assertThat(s.copyParallelism()).isEqualTo(2);
    assertThat(s.timeouts().apiCall()).isEqualTo(Duration.ofMinutes(5));
    assertThat(s.waits().available()).isEqualTo(Duration.ofMinutes(20));
    assertThat(s.waits().copy()).isEqualTo(Duration.ofHours(2));
    assertThat(s.waits().pollInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.retry().maxAttempts()).isEqualTo(5);
    assertThat(s.upload().concurrency()).isEqualTo(8);
  }

  @Test
  void externalIdNeverAppearsInToString() throws IOException {
    AwsSettings s =
        bind(
            """
            credentials:
              roleArn: arn:aws:iam::123456789012:role/publish
              externalId: s3cret-ext
              regions:
                eu-west-1: {roleArn: "arn:aws:iam::123456789012:role/x", externalId: other-s3cret}
            """);
    assertThat(s.toString()).doesNotContain("s3cret").contains("***");
  }

  @Test
  void plainHttpIsOnlyForThisMachineUnlessAllowed() throws IOException {
    for (String ok :
        new String[] {
          "http://127.0.0.1:5000",
          "http://localhost:4566",
          "http://[::1]:5000",
          "https://ec2.example"
        }) {
      assertThat(bind("endpoint: \"" + ok + "\"\n").endpoint()).isEqualTo(URI.create(ok));
    }
    assertThatThrownBy(() -> bind("endpoint: http://10.0.0.5:5000\n"))
        .hasMessageContaining("not this machine")
        .hasMessageContaining("allowInsecureEndpoint");
    assertThatThrownBy(() -> bind("endpoint: http://127.0.0.1.example.com\n"))
        .hasMessageContaining("allowInsecureEndpoint");
    assertThat(
            bind("endpoint: http://10.0.0.5:5000\nallowInsecureEndpoint: true\n")
                .allowInsecureEndpoint())
        .isTrue();
  }

  @Test
  void theSampleConfigIsValid() {
    DeployConfig sample = ConfigLoader.load(Path.of("..", "..", "config-samples", "aws.yaml"));
    new AwsProvider().validate(sample);
    AwsSettings s = sample.providerSettings("aws", AwsSettings.class);
    assertThat(s.copyTo()).containsExactly("eu-west-1");
    assertThat(s.share().isPublic()).isFalse();
  }

  @Test
  void latestParameterForms() throws IOException {
    assertThat(bind("latestParameter: false").latestParameter()).isNull();
    assertThat(bind("latestParameter: /ami/{app}/current").latestParameter())
        .isEqualTo("/ami/{app}/current");
  }

  @Test
  void errorsNameTheKeyAndTheFix() {
    expectError("region: useast1", "region", "us-east-1");
    expectError("copyTo: [eu-west]", "copyTo", "not an AWS region");
    expectError("regoin: us-east-1", "unknown key 'regoin'", "known keys");
    // No key can hold a credential, and the refusal does not repeat the value.
    assertThatThrownBy(
            () -> bind("credentials: {accessKeyId: AKIAEXAMPLE, secretAccessKey: wJalrS3cr3t}"))
        .hasMessageContaining("unknown key")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wJalrS3cr3t"));
    expectError("image: {volumeType: gp9}", "image.volumeType", "gp3");
    expectError("image: {rootDevice: xvda}", "image.rootDevice", "/dev/xvda");
    expectError("image: {volumeSize: 0}", "image.volumeSize", "1-16384");
    expectError("share: {accounts: [all]}", "share.accounts", "share.public: true");
    expectError("share: {accounts: [\"12345\"]}", "share.accounts", "12-digit");
    expectError("share: {organizations: [o-123]}", "share.organizations", "organization ARN");
    expectError("share: {organizationalUnits: [ou-1]}", "share.organizationalUnits", "OU ARN");
    expectError("deprecateAfter: soon", "at deprecateAfter: 'soon' is not a duration", "30d");
    expectError("deprecateAfter: 0s", "deprecateAfter", "positive");
    expectError("timeouts: {apiCall: 10s, apiCallAttempt: 20s}", "apiCallAttempt", "must not");
    expectError("waits: {copy: -5m}", "waits.copy", "");
    expectError("copyParallelism: 0", "copyParallelism", "between 1 and 32");
    expectError("retry: {maxAttempts: 0}", "retry.maxAttempts", "between 1 and 20");
    expectError("endpoint: ftp://x", "endpoint", "http");
    expectError("credentials: {roleArn: publish}", "credentials.roleArn", "arn:aws:iam::");
    expectError("latestParameter: \"aws/x\"", "latestParameter", "SSM parameter name");
    expectError("upload: {method: s4}", "upload.method", "ebs-direct");
    expectError("upload: {method: import-snapshot}", "upload.bucket", "home region");
    expectError(
        "upload: {method: import-snapshot, bucket: My_Bucket}", "upload.bucket", "S3 bucket name");
    expectError(
        "upload: {kmsKeyArn: \"arn:aws:kms:us-east-1:123456789012:key/abc\"}",
        "upload.kmsKeyArn",
        "encrypted: true");
  }

  private void expectError(String section, String... fragments) {
    assertThatThrownBy(() -> bind(section))
        .as(section)
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("providers.aws")
        .satisfies(
            e -> {
              for (String f : fragments) {
                assertThat(e.getMessage()).contains(f);
              }
            });
  }

  @Test
  void providerValidateChecksTheCombinationWithPublishSettings() throws IOException {
    Path file = dir.resolve("tpm.yaml");
    Files.writeString(
        file,
        "app: demo\npublish: {bootMode: legacy-bios}\nproviders:\n  aws:\n    image: {tpm: true}\n");
    DeployConfig config = ConfigLoader.load(file);
    assertThatThrownBy(() -> new AwsProvider().validate(config))
        .hasMessageContaining("tpm")
        .hasMessageContaining("uefi");

    Files.writeString(file, "app: demo\npublish: {architecture: arm64}\nproviders:\n  aws: {}\n");
    DeployConfig arm = ConfigLoader.load(file);
    assertThatThrownBy(() -> new AwsProvider().validate(arm)).hasMessageContaining("arm64");

    Files.writeString(
        file, "app: demo\npublish: {architecture: arm64, bootMode: uefi}\nproviders:\n  aws: {}\n");
    new AwsProvider().validate(ConfigLoader.load(file));
  }

  @Test
  void durationsAreTextAsEverywhereInTheConfig() throws IOException {
    AwsSettings s =
        bind(
            """
            deprecateAfter: 30d
            waits: {available: 90, copy: pt1h30m, pollInterval: 250ms}
            upload: {importTimeout: 2h}
            """);
    assertThat(s.deprecateAfter()).isEqualTo(Duration.ofDays(30));
    assertThat(s.waits().available()).isEqualTo(Duration.ofSeconds(90));
    assertThat(s.waits().copy()).isEqualTo(Duration.ofMinutes(90));
    assertThat(s.waits().pollInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(s.upload().importTimeout()).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void volumeSizeFitsTheDisk() {
    AmiSettings auto = AmiSettings.defaults();
    assertThat(auto.volumeSizeFor(1)).isEqualTo(1);
    assertThat(auto.volumeSizeFor(1L << 30)).isEqualTo(1);
    assertThat(auto.volumeSizeFor((1L << 30) + 1)).isEqualTo(2);
    AmiSettings small = new AmiSettings(null, null, 1, null, null, null, null, null);
    assertThatThrownBy(() -> small.volumeSizeFor(3L << 30))
        .hasMessageContaining("image.volumeSize 1 GiB is smaller")
        .hasMessageContaining("3 GiB");
    assertThat(List.of(small.volumeSize())).containsExactly(1);
  }
}
