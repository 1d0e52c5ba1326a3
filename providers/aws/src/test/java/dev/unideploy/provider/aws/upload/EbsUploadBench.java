package dev.unideploy.provider.aws.upload;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ImageReaders;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.state.FileJournal;
import dev.unideploy.provider.aws.http.PooledHttpClient;
import dev.unideploy.provider.aws.http.SignedHttp;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ebs.EbsClient;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The unideploy side of bench/aws-upload.sh (not a test): opens one raw image (the extent scan is
 * timed as openSeconds), uploads it to an EBS endpoint (uploadSeconds) and prints one JSON line.
 * {@code EbsUploadBench <endpoint> <image> [concurrency] [direct|sdk]}: blocks go the way {@code
 * upload.blockClient} sends them (default direct, as in production without a proxy). The content
 * hash, which the publish pipeline computes once for the image's identity, is not part of the
 * upload and is not computed here: a random key stands in for it, so repeated runs never reuse a
 * snapshot.
 */
public final class EbsUploadBench {
  private EbsUploadBench() {}

  private static double openSeconds;

  private static DiskImage open(Path image) throws java.io.IOException {
    long start = System.nanoTime();
    // As `unideploy publish` opens it: holes by SEEK_DATA, zero blocks left to the block pump.
    DiskImage disk =
        ImageReaders.open(image, null, ReadOptions.defaults().withDetectZeroContent(false));
    openSeconds = (System.nanoTime() - start) / 1e9;
    return disk;
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new java.security.SecureRandom().nextBytes(b);
    return b;
  }

  public static void main(String[] args) throws Exception {
    URI endpoint = URI.create(args[0]);
    Path image = Path.of(args[1]);
    int concurrency =
        args.length > 2 ? Integer.parseInt(args[2]) : EbsUploadOptions.DEFAULT_CONCURRENCY;
    boolean sdk = args.length > 3 && args[3].equals("sdk");
    StaticCredentialsProvider creds =
        StaticCredentialsProvider.create(
            AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/EXAMPLEKEY"));
    ClientOverrideConfiguration overrides =
        ClientOverrideConfiguration.builder()
            .apiCallAttemptTimeout(Duration.ofSeconds(60))
            .retryStrategy(AwsRetryStrategy.doNotRetry())
            .build();
    Path journalDir = Files.createTempDirectory("ebs-bench");
    // As AwsClients builds them: the SDK's EbsClient only when blocks go through it.
    EbsClient sdkEbs =
        sdk
            ? EbsClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(creds)
                .httpClient(ApacheHttpClient.builder().maxConnections(concurrency + 8).build())
                .overrideConfiguration(overrides)
                .build()
            : null;
    PooledHttpClient http =
        new PooledHttpClient(endpoint, null, Duration.ofSeconds(10), concurrency);
    EbsDirectApi api =
        sdk
            ? new SdkEbsDirectApi(sdkEbs)
            : new HttpEbsDirectApi(
                new SignedHttp(
                    endpoint,
                    "ebs",
                    "us-east-1",
                    http,
                    creds,
                    Duration.ofSeconds(60),
                    "unideploy-bench",
                    Clock.systemUTC()));
    Ec2Client ec2 =
        sdk
            ? Ec2Client.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(creds)
                .overrideConfiguration(overrides)
                .build()
            : null;
    try (http;
        DiskImage disk = open(image)) {
      String key = HexFormat.of().formatHex(randomBytes(32));
      long start = System.nanoTime();
      SnapshotUploadResult r =
          new EbsSnapshotUploader(
                  api,
                  sdk
                      ? new SdkSnapshotDescriber(ec2)
                      : new HttpSnapshotDescriber(
                          new SignedHttp(
                              endpoint,
                              "ec2",
                              "us-east-1",
                              http,
                              creds,
                              Duration.ofSeconds(60),
                              "unideploy-bench",
                              Clock.systemUTC())),
                  EbsUploadOptions.defaults()
                      .withConcurrency(concurrency)
                      .withCompletionWait(Duration.ofMinutes(10), Duration.ofMillis(200)),
                  Clock.systemUTC())
              .upload(
                  disk, key, FileJournal.open(journalDir.resolve("journal")), EventSink.discard());
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "{\"snapshotId\":\"%s\",\"blocksSent\":%d,\"blocksSkipped\":%d,\"bytesSent\":%d,"
              + "\"allocatedBytes\":%d,\"openSeconds\":%.3f,\"uploadSeconds\":%.3f,\"concurrency\":%d,"
              + "\"blockClient\":\"%s\"}%n",
          r.snapshotId(),
          r.blocksSent(),
          r.blocksSkipped(),
          r.bytesSent(),
          disk.allocatedBytes(),
          openSeconds,
          seconds,
          concurrency,
          sdk ? "sdk" : "direct");
    } finally {
      if (sdkEbs != null) {
        sdkEbs.close();
        ec2.close();
      }
    }
  }
}
