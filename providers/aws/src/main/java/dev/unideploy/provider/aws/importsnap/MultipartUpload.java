package dev.unideploy.provider.aws.importsnap;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.provider.aws.call.AwsRetryable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.Part;

/**
 * Stages a file in S3 with a multipart upload, parts in parallel and streamed from the file. A
 * re-run continues the journaled upload id: S3's ListParts says which parts arrived (with their
 * sizes), and only the others are sent.
 */
final class MultipartUpload {
  /** What the staging did in this run. */
  record Outcome(long partsSent, long bytesSent, boolean resumed) {}

  private final S3Client s3;
  private final CallPolicy policy;
  private final EventSink events;
  private final int concurrency;

  MultipartUpload(S3Client s3, CallPolicy policy, EventSink events, int concurrency) {
    this.s3 = s3;
    this.policy = policy;
    this.events = events;
    this.concurrency = concurrency;
  }

  Outcome upload(
      Path file,
      long size,
      String bucket,
      String object,
      long partSize,
      String journaledUploadId,
      ImportJournal journal) {
    Map<Integer, CompletedPart> done = new ConcurrentHashMap<>();
    String uploadId = journaledUploadId;
    boolean resumed = false;
    if (uploadId != null) {
      List<Part> parts = listParts(bucket, object, uploadId);
      if (parts == null) {
        uploadId = null; // aborted or expired: start a new upload
      } else {
        resumed = true;
        for (Part p : parts) {
          long expected = Math.min(partSize, size - (long) (p.partNumber() - 1) * partSize);
          if (p.size() != null && p.size() == expected) {
            done.put(p.partNumber(), completed(p.partNumber(), p.eTag()));
          }
        }
      }
    }
    if (uploadId == null) {
      String id =
          call(
                  "CreateMultipartUpload",
                  () -> s3.createMultipartUpload(r -> r.bucket(bucket).key(object)),
                  bucket)
              .uploadId();
      journal.multipartStarted(bucket, object, id, partSize);
      uploadId = id;
    }

    int partCount = (int) Math.max(1, (size + partSize - 1) / partSize);
    long total = 0;
    for (int n = 1; n <= partCount; n++) {
      if (!done.containsKey(n)) {
        total += partLength(n, partSize, size);
      }
    }
    AtomicLong sentBytes = new AtomicLong();
    AtomicLong sentParts = new AtomicLong();
    long totalBytes = total;
    events.emit(ProgressEvent.of("upload", 0, totalBytes, ProgressEvent.Unit.BYTES));
    String id = uploadId;
    ExecutorService workers = Executors.newFixedThreadPool(concurrency, MultipartUpload::daemon);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      List<Future<?>> futures = new ArrayList<>();
      for (int n = 1; n <= partCount; n++) {
        if (done.containsKey(n)) {
          continue;
        }
        int part = n;
        long offset = (long) (n - 1) * partSize;
        long length = partLength(n, partSize, size);
        futures.add(
            workers.submit(
                () -> {
                  String etag =
                      call(
                              "UploadPart",
                              () ->
                                  s3.uploadPart(
                                      r ->
                                          r.bucket(bucket)
                                              .key(object)
                                              .uploadId(id)
                                              .partNumber(part)
                                              .contentLength(length),
                                      RequestBody.fromContentProvider(
                                          () -> new RangeInputStream(ch, offset, length),
                                          length,
                                          "application/octet-stream")),
                              bucket)
                          .eTag();
                  done.put(part, completed(part, etag));
                  sentParts.incrementAndGet();
                  events.emit(
                      ProgressEvent.of(
                          "upload",
                          sentBytes.addAndGet(length),
                          totalBytes,
                          ProgressEvent.Unit.BYTES));
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (IOException e) {
      throw new UnideployException(
          "could not read " + file + " to upload it: " + e.getMessage() + "; check the file", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new UnideployException("uploading a part failed: " + cause, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnideployException("upload interrupted; re-run to resume it", e);
    } finally {
      // No part may outlive this call: a re-run lists the parts S3 holds and must see them all.
      workers.shutdownNow();
      // Bounded: the SDK's attempt timeout ends a stuck part long before this.
      try {
        workers.awaitTermination(2, java.util.concurrent.TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    List<CompletedPart> parts =
        done.values().stream().sorted(Comparator.comparing(CompletedPart::partNumber)).toList();
    call(
        "CompleteMultipartUpload",
        () ->
            s3.completeMultipartUpload(
                r ->
                    r.bucket(bucket).key(object).uploadId(id).multipartUpload(m -> m.parts(parts))),
        bucket);
    journal.objectUploaded(bucket, object, size);
    events.emit(
        ProgressEvent.finished("upload", sentBytes.get(), totalBytes, ProgressEvent.Unit.BYTES));
    return new Outcome(sentParts.get(), sentBytes.get(), resumed);
  }

  /** The parts S3 holds for the upload, or null when the upload no longer exists. */
  private List<Part> listParts(String bucket, String object, String uploadId) {
    try {
      List<Part> all = new ArrayList<>();
      Integer marker = null;
      while (true) {
        Integer from = marker;
        var page =
            call(
                "ListParts",
                () ->
                    s3.listParts(
                        r -> {
                          r.bucket(bucket).key(object).uploadId(uploadId);
                          if (from != null) {
                            r.partNumberMarker(from);
                          }
                        }),
                bucket);
        all.addAll(page.parts());
        if (!Boolean.TRUE.equals(page.isTruncated())) {
          return all;
        }
        marker = page.nextPartNumberMarker();
      }
    } catch (UnideployException e) {
      if (e.getCause() instanceof NoSuchUploadException) {
        return null;
      }
      throw e;
    }
  }

  private <T> T call(String api, java.util.function.Supplier<T> call, String bucket) {
    try {
      return policy.call(api, call);
    } catch (RuntimeException e) {
      String code = AwsRetryable.errorCode(e);
      String hint =
          "AccessDenied".equals(code)
              ? "grant s3:PutObject, s3:GetObject and s3:ListMultipartUploadParts on the bucket"
                  + " (docs/aws-iam.md)"
              : "NoSuchBucket".equals(code)
                  ? "create the bucket, in the same region, or set another one"
                  : "re-run to resume: parts already uploaded are kept";
      throw new UnideployException(
          api + " on bucket " + bucket + " failed: " + AwsRetryable.describe(e) + "; " + hint, e);
    }
  }

  private static long partLength(int part, long partSize, long size) {
    return Math.min(partSize, size - (long) (part - 1) * partSize);
  }

  private static CompletedPart completed(int part, String etag) {
    return CompletedPart.builder().partNumber(part).eTag(etag).build();
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "s3-upload-part");
    t.setDaemon(true);
    return t;
  }
}
