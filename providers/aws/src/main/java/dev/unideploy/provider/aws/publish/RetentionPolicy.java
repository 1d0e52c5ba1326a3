package dev.unideploy.provider.aws.publish;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * Chooses which of an app's images in one region retention removes: the available ones beyond the
 * newest {@code keep}, by publish time. Images still pending (another run in flight) or broken are
 * neither counted nor removed, and {@code protect} (the image this run published) is never removed
 * even when it is older, such as when an old version is re-published.
 */
public final class RetentionPolicy {
  private RetentionPolicy() {}

  /** Newest first; ties (same publish instant) broken by id so the choice is stable. */
  static final Comparator<ManagedImage> NEWEST_FIRST =
      Comparator.comparing(ManagedImage::publishedAt)
          .reversed()
          .thenComparing(ManagedImage::id, Comparator.reverseOrder());

  /** The images to remove; {@code keep} 0 means keep everything. */
  public static List<ManagedImage> toRetire(
      List<ManagedImage> images, int keep, Predicate<ManagedImage> protect) {
    if (keep <= 0) {
      return List.of();
    }
    List<ManagedImage> candidates =
        new ArrayList<>(images.stream().filter(ManagedImage::available).toList());
    candidates.sort(NEWEST_FIRST);
    List<ManagedImage> retire = new ArrayList<>();
    for (int i = keep; i < candidates.size(); i++) {
      ManagedImage image = candidates.get(i);
      if (!protect.test(image)) {
        retire.add(image);
      }
    }
    return retire;
  }
}
