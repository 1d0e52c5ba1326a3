package dev.unideploy.provider.aws.publish;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.spi.RegionImage;
import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.clients.AwsClients;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.services.ec2.model.CopyImageRequest;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * Copies the home AMI to the other regions, a bounded number at a time, and reports each region as
 * it finishes. A region that already holds a copy of the same content and settings reuses it; a
 * retried CopyImage carries the same ClientToken, so AWS returns the first copy instead of making a
 * second. One region's failure is recorded as that region's result and does not stop the others.
 */
public final class AmiCopier {
  private final AwsClients clients;
  private final AwsCall calls;
  private final AmiFinder finder;
  private final AmiWaiter waiter;
  private final AmiTagger tagger;
  private final EventSink events;
  private final int parallelism;

  public AmiCopier(
      AwsClients clients,
      AwsCall calls,
      AmiFinder finder,
      AmiWaiter waiter,
      EventSink events,
      int parallelism) {
    this.clients = clients;
    this.calls = calls;
    this.finder = finder;
    this.waiter = waiter;
    this.tagger = new AmiTagger(clients, calls);
    this.events = events;
    this.parallelism = parallelism;
  }

  /** Copies {@code source} to each of {@code regions}; the results come back in region order. */
  public List<RegionImage> copyAll(ManagedImage source, List<String> regions, Duration timeout) {
    if (regions.isEmpty()) {
      return List.of();
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(parallelism, regions.size()),
            r -> {
              Thread t = new Thread(r, "unideploy-copy");
              t.setDaemon(true);
              return t;
            });
    Map<String, RegionImage> results = new LinkedHashMap<>();
    try {
      CompletionService<RegionImage> done = new ExecutorCompletionService<>(pool);
      Map<Future<RegionImage>, String> futures = new LinkedHashMap<>();
      for (String region : regions) {
        futures.put(done.submit(() -> copyOne(source, region, timeout)), region);
      }
      for (int i = 0; i < regions.size(); i++) {
        Future<RegionImage> f = done.take();
        RegionImage r = outcome(f, futures.get(f));
        results.put(r.region(), r);
        report(r, results.size(), regions.size());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnideployException(
          "interrupted while copying the AMI; re-run to resume (finished copies are reused)", e);
    } finally {
      pool.shutdownNow();
    }
    List<RegionImage> ordered = new ArrayList<>();
    for (String region : regions) {
      ordered.add(results.get(region));
    }
    return ordered;
  }

  private RegionImage copyOne(ManagedImage source, String region, Duration timeout) {
    String sha = source.tags().get(ImageTags.SHA256);
    String fingerprint = source.tags().get(ImageTags.SETTINGS);
    String app = source.tags().get(ImageTags.APP);
    Map<String, String> tags = ImageTags.forCopy(source.tags(), source.region(), source.id());
    Optional<ManagedImage> existing = finder.same(region, app, sha, fingerprint);
    boolean reused = existing.isPresent();
    String imageId;
    if (reused) {
      imageId = existing.get().id();
    } else {
      CopyImageRequest req =
          CopyImageRequest.builder()
              .sourceImageId(source.id())
              .sourceRegion(source.region())
              .name(source.name())
              .description("copy of " + source.region() + "/" + source.id() + ", " + source.name())
              .clientToken(clientToken(sha, fingerprint, source.id(), region))
              .tagSpecifications(
                  TagSpecification.builder()
                      .resourceType(ResourceType.IMAGE)
                      .tags(ImageTags.toSdk(tags))
                      .build(),
                  // The copy's new snapshots carry the fence tags too, so an IAM policy can
                  // limit DeleteSnapshot to what unideploy made (docs/aws-iam.md).
                  TagSpecification.builder()
                      .resourceType(ResourceType.SNAPSHOT)
                      .tags(ImageTags.toSdk(ImageTags.forSnapshot(tags)))
                      .build())
              .build();
      imageId = calls.call(region, "CopyImage", () -> clients.ec2(region).copyImage(req).imageId());
      events.emit(
          LogEvent.info(
              "replicate",
              region
                  + ": copying "
                  + source.id()
                  + " as "
                  + imageId
                  + ", waiting until available"));
    }
    ManagedImage image = waiter.awaitAvailable("replicate", region, imageId, timeout);
    if (tagger.ensure(image, tags)) {
      image = finder.byId(region, imageId).orElse(image);
    }
    return RegionImage.ok(region, image.id(), reused, image.attributes());
  }

  private static RegionImage outcome(Future<RegionImage> f, String region)
      throws InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      String why =
          cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
      return RegionImage.failed(region, why);
    }
  }

  private void report(RegionImage r, int finished, int total) {
    if (r.ok()) {
      events.emit(
          LogEvent.info(
              "replicate",
              r.region()
                  + ": "
                  + r.imageId()
                  + (r.reused() ? " (already there, reused)" : " available")));
    } else {
      events.emit(LogEvent.warn("replicate", r.region() + ": copy failed: " + r.error()));
    }
    events.emit(ProgressEvent.of("replicate", finished, total, ProgressEvent.Unit.ITEMS));
  }

  /**
   * The idempotency token of one copy: the same content, settings, source image and destination
   * always give the same token, so a retried CopyImage returns the first copy. AWS allows 64 ASCII
   * characters (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html).
   */
  static String clientToken(
      String sha256, String fingerprint, String sourceImageId, String region) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] d =
          md.digest(
              String.join("|", sha256, fingerprint, sourceImageId, region)
                  .getBytes(StandardCharsets.UTF_8));
      return "unideploy-" + HexFormat.of().formatHex(d, 0, 24);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
