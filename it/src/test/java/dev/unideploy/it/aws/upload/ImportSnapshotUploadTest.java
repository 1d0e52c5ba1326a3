package dev.unideploy.it.aws.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.image.TargetFormat;
import dev.unideploy.it.EmulatorEnv;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.pipeline.state.FileJournal;
import dev.unideploy.provider.aws.importsnap.ImportSnapshotOptions;
import dev.unideploy.provider.aws.importsnap.ImportSnapshotUploader;
import dev.unideploy.provider.aws.upload.SnapshotUploadResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * The S3 multipart + ImportSnapshot path: multipart on moto, ImportSnapshot against {@link
 * FakeImportSnapshotEc2}, including resume of a half-staged file and a missing vmimport role.
 */
class ImportSnapshotUploadTest {
  private static final String SHA = "c0ffee".repeat(10) + "abcd";

  @TempDir Path dir;

  private S3Client s3;
  private FakeImportSnapshotEc2 fake;
  private Ec2Client ec2;
  private String bucket;
  private Path file;

  @BeforeEach
  void start() throws Exception {
    s3 = AwsTestClients.s3(EmulatorEnv.get().motoEndpoint());
    fake = new FakeImportSnapshotEc2(s3);
    ec2 = AwsTestClients.ec2(fake.endpoint());
    bucket = "import-" + UUID.randomUUID();
    s3.createBucket(b -> b.bucket(bucket));
    byte[] data = new byte[(12 << 20) + 12345]; // three 5 MiB parts, the last one short
    new Random(5).nextBytes(data);
    file = Files.write(dir.resolve("disk.vmdk"), data);
  }

  @AfterEach
  void stop() {
    ec2.close();
    fake.close();
    s3.close();
  }

  private ImportSnapshotOptions options() {
    return ImportSnapshotOptions.builder(bucket)
        .partSize(5L << 20)
        .concurrency(3)
        .importDeadline(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .calls(new CallPolicy.Settings(5, Duration.ofMillis(10), Duration.ofMillis(100), 100))
        .build();
  }

  private boolean objectExists(String key) {
    try {
      s3.headObject(h -> h.bucket(bucket).key(key));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    }
  }

  @Test
  void stagesTheFileImportsItAndDeletesTheObject() throws Exception {
    RecordingEventSink events = new RecordingEventSink();
    SnapshotUploadResult r =
        new ImportSnapshotUploader(s3, ec2, options())
            .upload(
                file, TargetFormat.VMDK_STREAM, SHA, FileJournal.open(dir.resolve("j")), events);

    assertThat(fake.tasks()).hasSize(1);
    FakeImportSnapshotEc2.Imported t = fake.tasks().values().iterator().next();
    assertThat(t.format()).isEqualTo("VMDK");
    assertThat(t.bucket()).isEqualTo(bucket);
    assertThat(t.key()).isEqualTo("unideploy/" + SHA + ".vmdk");
    assertThat(t.objectSha256()).isEqualTo(FakeImportSnapshotEc2.sha256(Files.readAllBytes(file)));
    assertThat(r.snapshotId()).startsWith("snap-");
    assertThat(r.blocksSent()).isEqualTo(3);
    assertThat(r.bytesSent()).isEqualTo(Files.size(file));
    assertThat(r.method()).isEqualTo("import-snapshot");
    assertThat(objectExists(t.key())).as("staged object deleted").isFalse();
  }

  @Test
  void aHalfStagedFileResumesWithOnlyTheMissingParts() throws Exception {
    // Part numbers S3 stored, as a set: a part retried under load (CallPolicy) is still one part.
    Set<Integer> parts = ConcurrentHashMap.newKeySet();
    AtomicInteger failPart = new AtomicInteger(2);
    ExecutionInterceptor counter =
        new ExecutionInterceptor() {
          @Override
          public void beforeExecution(Context.BeforeExecution c, ExecutionAttributes a) {
            if (c.request() instanceof UploadPartRequest p && p.partNumber() == failPart.get()) {
              throw new IllegalStateException("simulated crash in part " + p.partNumber());
            }
          }

          @Override
          public void afterExecution(Context.AfterExecution c, ExecutionAttributes a) {
            if (c.request() instanceof UploadPartRequest p) {
              parts.add(p.partNumber()); // stored by S3: a re-run must not send it again
            }
          }
        };
    Path journal = dir.resolve("j");
    try (S3Client failing = AwsTestClients.s3(EmulatorEnv.get().motoEndpoint(), counter)) {
      assertThatThrownBy(
              () ->
                  new ImportSnapshotUploader(
                          failing, ec2, options().toBuilder().concurrency(1).build())
                      .upload(
                          file,
                          TargetFormat.VMDK_STREAM,
                          SHA,
                          FileJournal.open(journal),
                          new RecordingEventSink()))
          .hasMessageContaining("simulated crash in part 2");
      Set<Integer> before = Set.copyOf(parts);
      parts.clear();
      failPart.set(-1);
      SnapshotUploadResult r =
          new ImportSnapshotUploader(failing, ec2, options())
              .upload(
                  file,
                  TargetFormat.VMDK_STREAM,
                  SHA,
                  FileJournal.open(journal),
                  new RecordingEventSink());

      assertThat(r.resumed()).isTrue();
      assertThat(parts).doesNotContainAnyElementsOf(before).hasSize((int) r.blocksSent());
      assertThat(r.blocksSent()).isLessThan(3);
      FakeImportSnapshotEc2.Imported t = fake.tasks().values().iterator().next();
      assertThat(t.objectSha256())
          .isEqualTo(FakeImportSnapshotEc2.sha256(Files.readAllBytes(file)));
    }
  }

  @Test
  void aMissingVmimportRoleIsNamedWithTheFix() {
    fake.roleMissing(true);
    assertThatThrownBy(
            () ->
                new ImportSnapshotUploader(s3, ec2, options())
                    .upload(
                        file,
                        TargetFormat.VHD_FIXED,
                        SHA,
                        FileJournal.open(dir.resolve("j")),
                        new RecordingEventSink()))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("vmimport")
        .hasMessageContaining("create the vmimport service role: see docs/aws-iam.md");
  }

  @Test
  void aTaskThatFailsOnTheRoleLaterIsNamedToo() {
    fake.failTasksWith(
        "ClientError: The service role vmimport provided does not exist or does not have"
            + " sufficient permissions");
    assertThatThrownBy(
            () ->
                new ImportSnapshotUploader(s3, ec2, options())
                    .upload(
                        file,
                        TargetFormat.RAW,
                        SHA,
                        FileJournal.open(dir.resolve("j")),
                        new RecordingEventSink()))
        .hasMessageContaining("create the vmimport service role: see docs/aws-iam.md");
    String key = "unideploy/" + SHA + ".raw";
    assertThat(objectExists(key)).as("object deleted after the task ended").isFalse();
  }

  @Test
  void aRerunAfterSuccessReusesTheImportedSnapshot() throws Exception {
    Path journal = dir.resolve("j");
    SnapshotUploadResult first =
        new ImportSnapshotUploader(s3, ec2, options())
            .upload(
                file,
                TargetFormat.VMDK_STREAM,
                SHA,
                FileJournal.open(journal),
                new RecordingEventSink());
    SnapshotUploadResult again =
        new ImportSnapshotUploader(s3, ec2, options())
            .upload(
                file,
                TargetFormat.VMDK_STREAM,
                SHA,
                FileJournal.open(journal),
                new RecordingEventSink());

    assertThat(again.snapshotId()).isEqualTo(first.snapshotId());
    assertThat(again.blocksSent()).isZero();
    assertThat(fake.tasks()).hasSize(1);
  }
}
