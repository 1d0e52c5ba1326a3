package dev.unideploy.cli;

import dev.unideploy.pipeline.config.Amount;
import dev.unideploy.pipeline.config.ConfigOverrides;
import dev.unideploy.pipeline.config.DeploySettings;
import dev.unideploy.pipeline.config.DurationText;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** How a release rolls out: overrides of the rollout keys of {@code deploy} (docs/rollouts.md). */
final class RolloutFlags {

  @Option(
      names = "--strategy",
      paramLabel = "NAME",
      description = "blue-green (default), canary or rolling (deploy.strategy).")
  String strategy;

  @Option(
      names = "--steps",
      paramLabel = "N,N%,...",
      split = ",",
      converter = AmountConverter.class,
      description = "canary: the new group's size per step, e.g. 1,25%,100% (deploy.steps).")
  List<Amount> steps;

  @Option(
      names = "--max-surge",
      paramLabel = "N|N%",
      converter = AmountConverter.class,
      description = "rolling: instances allowed above the target size (deploy.maxSurge; 1).")
  Amount maxSurge;

  @Option(
      names = "--max-unavailable",
      paramLabel = "N|N%",
      converter = AmountConverter.class,
      description =
          "rolling: healthy instances allowed below the target (deploy.maxUnavailable; 0).")
  Amount maxUnavailable;

  @Option(
      names = "--min-healthy",
      paramLabel = "N|N%",
      converter = AmountConverter.class,
      description = "rolling: fewest healthy in-service instances, ever (deploy.minHealthy).")
  Amount minHealthy;

  @Option(
      names = "--bake",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long each step serves, watched, before the next (deploy.bake; 0).")
  Duration bake;

  @Option(
      names = "--keep-previous",
      paramLabel = "N",
      description = "Earlier groups kept at size 0 for rollback (deploy.keepPrevious; 1).")
  Integer keepPrevious;

  @Option(
      names = "--rollout-timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Deadline of the whole rollout; past it, it rolls back (deploy.timeout; 30m).")
  Duration timeout;

  ConfigOverrides.Builder applyTo(ConfigOverrides.Builder b) {
    return b.strategy(strategy == null ? null : DeploySettings.Strategy.parse(strategy))
        .rollout(
            new ConfigOverrides.RolloutOverrides(
                bake, keepPrevious, steps, maxSurge, maxUnavailable, minHealthy, timeout));
  }

  /** {@code 3} or {@code 25%}. */
  static final class AmountConverter implements ITypeConverter<Amount> {
    @Override
    public Amount convert(String value) {
      return Amount.parse(value);
    }
  }

  /** {@code 90s}, {@code 15m}, {@code PT1M}. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return DurationText.parse(value);
    }
  }
}
