package dev.unideploy.provider.aws;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.unideploy.pipeline.config.DurationText;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How the disk reaches EBS ({@code providers.aws.upload}): the method (EBS direct, or S3 plus
 * ImportSnapshot with its bucket and service role), how many blocks or parts are in flight, and
 * snapshot encryption, and who sends the EBS direct calls ({@code blockClient}: unideploy's own
 * signed requests, or the SDK's client; see {@link AwsClients#ebsDirect}). The upload classes take
 * their own options records; {@link dev.unideploy.provider.aws.publish.AwsImagePublisher} builds
 * those from this section.
 */
public record UploadSettings(
    @JsonProperty("method") String method,
    @JsonProperty("concurrency") Integer concurrency,
    @JsonProperty("encrypted") Boolean encrypted,
    @JsonProperty("kmsKeyArn") String kmsKeyArn,
    @JsonProperty("bucket") String bucket,
    @JsonProperty("keyPrefix") String keyPrefix,
    @JsonProperty("roleName") String roleName,
    @JsonProperty("importTimeout") @JsonDeserialize(using = DurationText.Json.class)
        Duration importTimeout,
    @JsonProperty("blockClient") String blockClient) {

  /** EBS direct APIs: seconds, no S3 bucket, no vmimport role. */
  public static final String EBS_DIRECT = "ebs-direct";

  /** S3 + ImportSnapshot: for accounts or clouds without the EBS direct APIs; 5-60 minutes. */
  public static final String IMPORT_SNAPSHOT = "import-snapshot";

  /** PutSnapshotBlock as signed requests on the JDK's HTTP client, unless a proxy is set. */
  public static final String BLOCK_CLIENT_AUTO = "auto";

  /** PutSnapshotBlock as signed requests on the JDK's HTTP client, always. */
  public static final String BLOCK_CLIENT_DIRECT = "direct";

  /** PutSnapshotBlock through the SDK's client (its proxy settings, about 3x the CPU). */
  public static final String BLOCK_CLIENT_SDK = "sdk";

  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  private static final Pattern KMS =
      Pattern.compile("arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:(key|alias)/[A-Za-z0-9/_-]+");

  @JsonCreator
  public UploadSettings {
    method = method == null ? EBS_DIRECT : method.toLowerCase(Locale.ROOT);
    if (!method.equals(EBS_DIRECT) && !method.equals(IMPORT_SNAPSHOT)) {
      throw new IllegalArgumentException(
          "upload.method '"
              + method
              + "' is not supported: use "
              + EBS_DIRECT
              + " or "
              + IMPORT_SNAPSHOT);
    }
    if (method.equals(IMPORT_SNAPSHOT) && bucket == null) {
      throw new IllegalArgumentException(
          "upload.method import-snapshot stages the disk in S3: set upload.bucket to a bucket in"
              + " the home region");
    }
    if (bucket != null && !BUCKET.matcher(bucket).matches()) {
      throw new IllegalArgumentException(
          "upload.bucket '"
              + bucket
              + "' is not an S3 bucket name (3-63 lowercase letters, digits, . and -)");
    }
    if (importTimeout != null && (importTimeout.isNegative() || importTimeout.isZero())) {
      throw new IllegalArgumentException(
          "upload.importTimeout must be a positive duration such as 2h");
    }
    concurrency = concurrency == null ? (method.equals(EBS_DIRECT) ? 32 : 4) : concurrency;
    if (concurrency < 1 || concurrency > 256) {
      throw new IllegalArgumentException("upload.concurrency must be 1 to 256, was " + concurrency);
    }
    encrypted = encrypted != null && encrypted;
    blockClient = blockClient == null ? BLOCK_CLIENT_AUTO : blockClient.toLowerCase(Locale.ROOT);
    if (!blockClient.equals(BLOCK_CLIENT_AUTO)
        && !blockClient.equals(BLOCK_CLIENT_DIRECT)
        && !blockClient.equals(BLOCK_CLIENT_SDK)) {
      throw new IllegalArgumentException(
          "upload.blockClient '"
              + blockClient
              + "' is not supported: use auto (the default), direct or sdk");
    }
    if (kmsKeyArn != null) {
      if (!encrypted) {
        throw new IllegalArgumentException(
            "upload.kmsKeyArn is set but upload.encrypted is not: set encrypted: true, or drop"
                + " the key");
      }
      if (!KMS.matcher(kmsKeyArn).matches()) {
        throw new IllegalArgumentException(
            "upload.kmsKeyArn '"
                + kmsKeyArn
                + "' is not a KMS key or alias ARN; write it like"
                + " arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab");
      }
    }
  }

  public static UploadSettings defaults() {
    return new UploadSettings(null, null, null, null, null, null, null, null, null);
  }
}
