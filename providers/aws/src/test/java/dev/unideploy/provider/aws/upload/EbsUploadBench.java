package dev.unideploy.provider.aws.upload;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.state.FileJournal;
import dev.unideploy.provider.aws.http.PooledHttpClient;
import dev.unideploy.provider.aws.http.RequestSender;
import dev.unideploy.provider.aws.http.SignedHttp;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;

/**
 * The unideploy side of bench/aws-upload.sh (not a test): opens one raw image (the extent scan is
 * timed as openSeconds), uploads it to an EBS endpoint (uploadSeconds) and prints one JSON line.
 * {@code EbsUploadBench <endpoint> <image> [concurrency] [direct|apache|crt]}: {@code direct} is
 * production's {@link SignedHttp}; {@code apache} and {@code crt} sign with the SDK's own signer
 * and send on that SDK HTTP client ({@link SdkSignedSender}), for comparison. The content hash,
 * which the publish pipeline computes once for the image's identity, is not part of the upload: a
 * random key stands in for it, so repeated runs never reuse a snapshot.
 */
public final class EbsUploadBench {
  private EbsUploadBench() {}

  public static void main(String[] args) throws Exception {
    URI endpoint = URI.create(args[0]);
    Path image = Path.of(args[1]);
    int concurrency =
        args.length > 2 ? Integer.parseInt(args[2]) : EbsUploadOptions.DEFAULT_CONCURRENCY;
    String mode = args.length > 3 ? args[3] : "direct";
    StaticCredentialsProvider creds =
        StaticCredentialsProvider.create(
            AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/EXAMPLEKEY"));
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "deadline");
              t.setDaemon(true);
              return t;
            });
    PooledHttpClient pooled = null;
    SdkHttpClient sdkHttp = null;
    RequestSender ebs;
    RequestSender ec2;
    switch (mode) {
      case "direct" -> {
        pooled = new PooledHttpClient(endpoint, null, Duration.ofSeconds(10), concurrency);
        ebs = signed(endpoint, "ebs", pooled, creds);
        ec2 = signed(endpoint, "ec2", pooled, creds);
      }
      case "apache", "crt" -> {
        sdkHttp =
            mode.equals("crt")
                ? AwsCrtHttpClient.builder().maxConcurrency(concurrency + 16).build()
                : ApacheHttpClient.builder().maxConnections(concurrency + 16).build();
        ebs = sdkSigned(endpoint, "ebs", sdkHttp, creds, timer);
        ec2 = sdkSigned(endpoint, "ec2", sdkHttp, creds, timer);
      }
      default -> throw new IllegalArgumentException("mode " + mode + ": direct, apache or crt");
    }
    Path journalDir = Files.createTempDirectory("ebs-bench");
    long openStart = System.nanoTime();
    // As `unideploy publish` opens it: holes by SEEK_DATA, zero blocks left to the block pump.
    try (DiskImage disk =
        ImageReaders.open(image, null, ReadOptions.defaults().withDetectZeroContent(false))) {
      double openSeconds = (System.nanoTime() - openStart) / 1e9;
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      long start = System.nanoTime();
      SnapshotUploadResult r =
          new EbsSnapshotUploader(
                  new HttpEbsDirectApi(ebs),
                  new HttpSnapshotDescriber(ec2),
                  EbsUploadOptions.builder()
                      .concurrency(concurrency)
                      .completionWait(Duration.ofMinutes(10), Duration.ofMillis(200))
                      .build(),
                  Clock.systemUTC())
              .upload(
                  disk,
                  HexFormat.of().formatHex(random),
                  FileJournal.open(journalDir.resolve("journal")),
                  EventSink.discard());
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "{\"snapshotId\":\"%s\",\"blocksSent\":%d,\"blocksSkipped\":%d,\"bytesSent\":%d,"
              + "\"allocatedBytes\":%d,\"openSeconds\":%.3f,\"uploadSeconds\":%.3f,\"concurrency\":%d,"
              + "\"transport\":\"%s\"}%n",
          r.snapshotId(),
          r.blocksSent(),
          r.blocksSkipped(),
          r.bytesSent(),
          disk.allocatedBytes(),
          openSeconds,
          seconds,
          concurrency,
          mode);
    } finally {
      if (pooled != null) {
        pooled.close();
      }
      if (sdkHttp != null) {
        sdkHttp.close();
      }
    }
  }

  private static SignedHttp signed(
      URI endpoint, String service, PooledHttpClient http, StaticCredentialsProvider creds) {
    return new SignedHttp(
        endpoint,
        service,
        "us-east-1",
        http,
        creds,
        Duration.ofSeconds(60),
        "unideploy-bench",
        Clock.systemUTC());
  }

  private static SdkSignedSender sdkSigned(
      URI endpoint,
      String service,
      SdkHttpClient http,
      StaticCredentialsProvider creds,
      ScheduledExecutorService timer) {
    return new SdkSignedSender(
        endpoint,
        service,
        "us-east-1",
        http,
        creds,
        Duration.ofSeconds(60),
        timer,
        "unideploy-bench",
        Clock.systemUTC());
  }
}
