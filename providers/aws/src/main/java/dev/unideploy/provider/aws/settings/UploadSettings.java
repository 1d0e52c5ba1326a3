package dev.unideploy.provider.aws.settings;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How the disk reaches EBS ({@code providers.aws.upload}): the method (EBS direct, or S3 plus
 * ImportSnapshot with its bucket and service role), how many blocks or parts are in flight, and
 * snapshot encryption. The upload classes take their own options records; {@link
 * dev.unideploy.provider.aws.publish.AwsImagePublisher} builds those from this section.
 */
public record UploadSettings(
    @JsonProperty("method") String method,
    @JsonProperty("concurrency") Integer concurrency,
    @JsonProperty("encrypted") Boolean encrypted,
    @JsonProperty("kmsKeyArn") String kmsKeyArn,
    @JsonProperty("bucket") String bucket,
    @JsonProperty("keyPrefix") String keyPrefix,
    @JsonProperty("roleName") String roleName,
    @JsonProperty("importTimeout") Duration importTimeout) {

  /** EBS direct APIs: seconds, no S3 bucket, no vmimport role. */
  public static final String EBS_DIRECT = "ebs-direct";

  /** S3 + ImportSnapshot: for accounts or clouds without the EBS direct APIs; 5-60 minutes. */
  public static final String IMPORT_SNAPSHOT = "import-snapshot";

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
    return new UploadSettings(null, null, null, null, null, null, null, null);
  }
}
