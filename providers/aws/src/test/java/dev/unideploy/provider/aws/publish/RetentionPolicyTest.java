package dev.unideploy.provider.aws.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetentionPolicyTest {

  private static ManagedImage image(String id, String state, int minute) {
    return new ManagedImage(
        id,
        "name-" + id,
        "us-east-1",
        state,
        null,
        Instant.parse("2026-11-29T12:00:00Z").plusSeconds(60L * minute),
        Map.of(),
        List.of("snap-" + id),
        null,
        1);
  }

  @Test
  void keepsTheNewestAndRetiresTheRest() {
    List<ManagedImage> images =
        List.of(
            image("ami-2", "available", 2),
            image("ami-1", "available", 1),
            image("ami-4", "available", 4),
            image("ami-3", "available", 3));
    assertThat(RetentionPolicy.toRetire(images, 2, i -> false))
        .extracting(ManagedImage::id)
        .containsExactly("ami-2", "ami-1");
    assertThat(RetentionPolicy.toRetire(images, 4, i -> false)).isEmpty();
    assertThat(RetentionPolicy.toRetire(images, 10, i -> false)).isEmpty();
  }

  @Test
  void keepZeroKeepsEverything() {
    assertThat(
            RetentionPolicy.toRetire(
                List.of(image("ami-1", "available", 1), image("ami-2", "available", 2)),
                0,
                i -> false))
        .isEmpty();
  }

  @Test
  void theImageJustPublishedIsNeverRetiredEvenWhenOlder() {
    List<ManagedImage> images =
        List.of(
            image("ami-1", "available", 1),
            image("ami-2", "available", 2),
            image("ami-3", "available", 3));
    assertThat(RetentionPolicy.toRetire(images, 1, i -> i.id().equals("ami-1")))
        .extracting(ManagedImage::id)
        .containsExactly("ami-2");
  }

  @Test
  void pendingAndBrokenImagesAreNeitherCountedNorRemoved() {
    List<ManagedImage> images =
        List.of(
            image("ami-1", "available", 1),
            image("ami-2", "available", 2),
            image("ami-3", "pending", 3),
            image("ami-4", "failed", 4));
    assertThat(RetentionPolicy.toRetire(images, 1, i -> false))
        .extracting(ManagedImage::id)
        .containsExactly("ami-1");
  }

  @Test
  void tiesAreBrokenStablyById() {
    List<ManagedImage> images =
        List.of(
            image("ami-a", "available", 1),
            image("ami-c", "available", 1),
            image("ami-b", "available", 1));
    assertThat(RetentionPolicy.toRetire(images, 1, i -> false))
        .extracting(ManagedImage::id)
        .containsExactly("ami-b", "ami-a");
  }
}
