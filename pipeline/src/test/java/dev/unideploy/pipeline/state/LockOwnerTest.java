package dev.unideploy.pipeline.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class LockOwnerTest {

  @Test
  void aHolderIsNamedToTheSecondWithItsRunUrl() {
    LockOwner owner =
        new LockOwner(
            "runner-7",
            4242,
            Instant.parse("2026-12-07T03:23:29.716436275Z"),
            "https://github.com/acme/web/actions/runs/1");

    assertThat(owner.describe())
        .isEqualTo(
            "pid 4242 on runner-7 since 2026-12-07T03:23:29Z"
                + " (https://github.com/acme/web/actions/runs/1)");
  }
}
