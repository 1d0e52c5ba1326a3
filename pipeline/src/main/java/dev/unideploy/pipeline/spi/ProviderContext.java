package dev.unideploy.pipeline.spi;

import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.state.Journal;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * What a provider is given to work with: the parsed configuration, where to report, the journal of
 * this deployment, a scratch folder for temporary conversions, and a clock (tests pass a fake).
 */
public record ProviderContext(
    DeployConfig config, EventSink events, Journal journal, Path workDir, Clock clock) {
  public ProviderContext {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(events, "events");
    Objects.requireNonNull(journal, "journal");
    Objects.requireNonNull(workDir, "workDir");
    Objects.requireNonNull(clock, "clock");
  }
}
