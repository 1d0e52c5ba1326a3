package dev.unideploy.provider.aws.publish;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.spi.ImageCatalog;
import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.clients.AwsClients;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Filter;

/**
 * The app's AMIs in the home region as an {@link ImageCatalog} ({@code unideploy images}): found by
 * the tags every publish writes ({@code unideploy:managed}, {@code unideploy:app}) among the
 * account's own images, so images made by anything else are never listed or deleted. Deleting an
 * AMI deregisters it and deletes its snapshots, and does the same to the copies publish made of it
 * in the configured {@code copyTo} regions.
 */
public final class AwsImageCatalog implements ImageCatalog, AutoCloseable {
  private final AwsClients clients;
  private final AwsCall calls;
  private final AmiFinder finder;
  private final AmiRemover remover;
  private final List<String> copyRegions;

  public AwsImageCatalog(
      AwsClients clients,
      List<String> copyRegions,
      dev.unideploy.pipeline.events.EventSink events) {
    this.clients = clients;
    this.calls = new AwsCall(clients.policy());
    this.finder = new AmiFinder(clients, calls);
    this.remover = new AmiRemover(clients, calls, events);
    this.copyRegions = List.copyOf(copyRegions);
  }

  @Override
  public List<ImageSummary> list(String app) {
    return managed(clients.homeRegion(), app).stream().map(AwsImageCatalog::summary).toList();
  }

  /**
   * {@code ref} is an AMI id, an AMI name, an app version ({@code APP:VERSION}) or an app name
   * (every image of the app: needs {@code all}).
   */
  @Override
  public List<ImageSummary> delete(String ref, boolean all, boolean force) {
    String home = clients.homeRegion();
    List<ManagedImage> matches = managed(home, null).stream().filter(i -> matches(i, ref)).toList();
    if (matches.isEmpty()) {
      throw new UnideployException(
          "no AMI that unideploy published in "
              + home
              + " matches '"
              + ref
              + "': give an AMI id, an AMI name, APP:VERSION or an app name (see unideploy images"
              + " list --provider aws)");
    }
    if (matches.size() > 1 && !all) {
      throw new UnideployException(
          "'"
              + ref
              + "' matches "
              + matches.size()
              + " AMIs ("
              + matches.stream().map(ManagedImage::name).collect(Collectors.joining(", "))
              + "): name one, or add --all");
    }
    if (!force) {
      for (ManagedImage i : matches) {
        List<String> running = runningInstances(home, i.id());
        if (!running.isEmpty()) {
          throw new UnideployException(
              "AMI "
                  + i.id()
                  + " ("
                  + i.name()
                  + ") is what running instances boot from ("
                  + String.join(", ", running)
                  + "): stop them first, or add --force (they keep running)");
        }
      }
    }
    List<ImageSummary> deleted = new ArrayList<>();
    for (ManagedImage i : matches) {
      deleted.add(removed(i, remover.remove(i)));
      for (String region : copyRegions) {
        for (ManagedImage copy :
            finder.find(
                region,
                List.of(
                    ImageTags.tagFilter(ImageTags.MANAGED, "true"),
                    ImageTags.tagFilter(ImageTags.COPIED_FROM, home + "/" + i.id())))) {
          deleted.add(removed(copy, remover.remove(copy)));
        }
      }
    }
    return deleted;
  }

  /** This account's images unideploy published in {@code region}, of {@code app} (null: all). */
  private List<ManagedImage> managed(String region, String app) {
    List<Filter> filters = new ArrayList<>();
    filters.add(ImageTags.tagFilter(ImageTags.MANAGED, "true"));
    if (app != null) {
      filters.add(ImageTags.tagFilter(ImageTags.APP, app));
    }
    List<ManagedImage> found = new ArrayList<>(finder.find(region, filters));
    found.sort(Comparator.comparing(ManagedImage::publishedAt).thenComparing(ManagedImage::id));
    return found;
  }

  private static boolean matches(ManagedImage i, String ref) {
    String app = i.tags().getOrDefault(ImageTags.APP, "");
    return ref.equals(i.id())
        || ref.equals(i.name())
        || ref.equals(app + ":" + i.tags().getOrDefault(ImageTags.APP_VERSION, ""))
        || ref.equals(app);
  }

  private List<String> runningInstances(String region, String imageId) {
    List<String> ids = new ArrayList<>();
    String token = null;
    do {
      String next = token;
      DescribeInstancesResponse page =
          calls.call(
              region,
              "DescribeInstances",
              () ->
                  clients
                      .ec2(region)
                      .describeInstances(
                          d ->
                              d.filters(
                                      Filter.builder().name("image-id").values(imageId).build(),
                                      Filter.builder()
                                          .name("instance-state-name")
                                          .values("pending", "running", "stopping", "stopped")
                                          .build())
                                  .nextToken(next)));
      page.reservations().forEach(r -> r.instances().forEach(x -> ids.add(x.instanceId())));
      token = page.nextToken();
    } while (token != null && !token.isEmpty());
    return ids;
  }

  private static ImageSummary summary(ManagedImage i) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("state", i.state());
    attributes.put("snapshotIds", String.join(",", i.snapshotIds()));
    attributes.put("sha256", i.tags().getOrDefault(ImageTags.SHA256, ""));
    String from = i.tags().get(ImageTags.COPIED_FROM);
    if (from != null) {
      attributes.put("copiedFrom", from);
    }
    return new ImageSummary(
        i.id(),
        i.name(),
        i.tags().getOrDefault(ImageTags.APP, ""),
        i.tags().getOrDefault(ImageTags.APP_VERSION, ""),
        i.region(),
        virtualSize(i),
        i.publishedAt(),
        attributes);
  }

  /** The disk's size as published (a tag), else the root volume's (older images, other tools). */
  private static long virtualSize(ManagedImage i) {
    try {
      return Long.parseLong(i.tags().getOrDefault(ImageTags.VIRTUAL_SIZE, ""));
    } catch (NumberFormatException e) {
      return (long) i.volumeGib() << 30;
    }
  }

  private static ImageSummary removed(ManagedImage i, List<String> snapshots) {
    ImageSummary s = summary(i);
    Map<String, String> attributes = new LinkedHashMap<>(s.attributes());
    attributes.put("deletedSnapshots", String.join(",", snapshots));
    return new ImageSummary(
        s.id(),
        s.name(),
        s.app(),
        s.version(),
        s.region(),
        s.virtualSize(),
        s.createdAt(),
        attributes);
  }

  @Override
  public void close() {
    clients.close();
  }
}
