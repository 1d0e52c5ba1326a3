package dev.unideploy.provider.aws.publish;

import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.clients.AwsClients;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.ec2.model.DescribeImagesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeImagesResponse;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;

/** Finds AMIs this account owns by tag or id (DescribeImages, owner self, paginated). */
public final class AmiFinder {
  private final AwsClients clients;
  private final AwsCall calls;

  public AmiFinder(AwsClients clients, AwsCall calls) {
    this.clients = clients;
    this.calls = calls;
  }

  /** This account's images in {@code region} that match every filter. */
  public List<ManagedImage> find(String region, List<Filter> filters) {
    List<ManagedImage> found = new ArrayList<>();
    String token = null;
    do {
      DescribeImagesRequest.Builder b =
          DescribeImagesRequest.builder().owners("self").filters(filters).maxResults(1000);
      if (token != null) {
        b.nextToken(token);
      }
      DescribeImagesRequest req = b.build();
      DescribeImagesResponse page =
          calls.call(region, "DescribeImages", () -> clients.ec2(region).describeImages(req));
      for (Image i : page.images()) {
        found.add(ManagedImage.of(i, region));
      }
      token = page.nextToken();
    } while (token != null && !token.isEmpty());
    return found;
  }

  /**
   * The image unideploy already made for this content and settings in {@code region}: an available
   * one first, else a pending one (an earlier run's register or copy still in flight).
   */
  public Optional<ManagedImage> same(String region, String app, String sha256, String fingerprint) {
    List<ManagedImage> all = find(region, ImageTags.sameImage(app, sha256, fingerprint));
    return all.stream()
        .filter(ManagedImage::available)
        .findFirst()
        .or(() -> all.stream().filter(ManagedImage::pending).findFirst());
  }

  /** This account's image called {@code name} in {@code region} (names are unique per region). */
  public Optional<ManagedImage> byName(String region, String name) {
    return find(region, List.of(Filter.builder().name("name").values(name).build())).stream()
        .findFirst();
  }

  /** The image {@code id}, or empty while EC2 does not know it yet (eventual consistency). */
  public Optional<ManagedImage> byId(String region, String id) {
    DescribeImagesResponse r;
    try {
      r =
          calls.call(
              region,
              "DescribeImages",
              () -> clients.ec2(region).describeImages(d -> d.imageIds(id)));
    } catch (dev.unideploy.provider.aws.call.AwsCallException e) {
      if (e.hasCode("InvalidAMIID.NotFound")) {
        return Optional.empty();
      }
      throw e;
    }
    return r.images().stream().findFirst().map(i -> ManagedImage.of(i, region));
  }
}
