package dev.unideploy.cli;

import dev.unideploy.image.ImageFormat;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.ConfigOverrides;
import dev.unideploy.pipeline.config.DeploySettings;
import dev.unideploy.pipeline.config.DurationText;
import dev.unideploy.pipeline.job.PublishJob;
import dev.unideploy.pipeline.qemu.Accelerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The action's inputs ({@code action.yml}), read from the environment the way the runner passes
 * them: {@code INPUT_} and the input's name in upper case with spaces as underscores, hyphens kept
 * ({@code dry-run} is {@code INPUT_DRY-RUN}); the form with underscores ({@code INPUT_DRY_RUN}),
 * which a shell can set, is read too. Only maps inputs to what the CLI's flags would give.
 */
record ActionInputs(
    String command,
    List<String> providers,
    Path config,
    ConfigOverrides overrides,
    PublishJob.Options options,
    Path resultFile) {

  /** The inputs action.yml declares, in its order; a test holds the two lists together. */
  static final List<String> NAMES =
      List.of(
          "command",
          "provider",
          "config",
          "image",
          "format",
          "app",
          "version",
          "state",
          "strategy",
          "instances",
          "ports",
          "ready",
          "ready-http",
          "ready-tcp",
          "timeout",
          "verify-timeout",
          "verify",
          "accel",
          "dry-run",
          "force-unlock",
          "result-file");

  static ActionInputs read(Map<String, String> env) {
    Reader in = new Reader(env);
    String command = in.get("command", "publish").toLowerCase(Locale.ROOT);
    if (!command.equals("publish") && !command.equals("deploy")) {
      throw new UnideployException("input 'command' is '" + command + "': use publish or deploy");
    }
    List<String> providers = in.list("provider", "local");
    if (command.equals("deploy") && providers.size() != 1) {
      throw new UnideployException(
          "input 'provider' names "
              + providers.size()
              + " providers: a deploy runs on one (use a matrix for several)");
    }
    String config = in.get("config", null);
    ConfigOverrides overrides =
        ConfigOverrides.builder()
            .app(in.get("app", null))
            .version(in.get("version", null))
            .image(in.get("image", null))
            .state(in.get("state", null))
            .strategy(
                in.get("strategy", null) == null
                    ? null
                    : DeploySettings.Strategy.parse(in.get("strategy", null)))
            .instances(in.integer("instances"))
            .ports(in.integers("ports"))
            .readySerial(in.get("ready", null))
            .readyHttp(in.get("ready-http", null))
            .readyTcp(in.bool("ready-tcp", false) ? Boolean.TRUE : null)
            .healthTimeout(in.duration("timeout"))
            .verifyTimeout(in.duration("verify-timeout"))
            .build();
    String format = in.get("format", null);
    String accel = in.get("accel", null);
    PublishJob.Options options =
        new PublishJob.Options(
            format == null ? null : ImageFormat.valueOf(format.toUpperCase(Locale.ROOT)),
            in.bool("verify", true),
            in.bool("dry-run", false),
            in.bool("force-unlock", false),
            accel == null ? null : Accelerator.valueOf(accel.toUpperCase(Locale.ROOT)));
    String result = in.get("result-file", null);
    Path resultFile =
        result != null
            ? Path.of(result)
            : Path.of(env.getOrDefault("RUNNER_TEMP", System.getProperty("java.io.tmpdir")))
                .resolve("unideploy-result.json");
    return new ActionInputs(
        command,
        providers,
        config == null ? null : Path.of(config),
        overrides,
        options,
        resultFile);
  }

  /** Reads one input; blank is absent, as the runner passes an unset optional input as "". */
  private record Reader(Map<String, String> env) {
    String get(String name, String fallback) {
      String upper = name.toUpperCase(Locale.ROOT).replace(' ', '_');
      String v = env.get("INPUT_" + upper);
      if (v == null) {
        v = env.get("INPUT_" + upper.replace('-', '_'));
      }
      return v == null || v.isBlank() ? fallback : v.strip();
    }

    /** YAML 1.2 core schema booleans, as actions/toolkit's getBooleanInput reads them. */
    boolean bool(String name, boolean fallback) {
      String v = get(name, null);
      if (v == null) {
        return fallback;
      }
      return switch (v) {
        case "true", "True", "TRUE" -> true;
        case "false", "False", "FALSE" -> false;
        default ->
            throw new UnideployException(
                "input '" + name + "' is '" + v + "': write true or false");
      };
    }

    Integer integer(String name) {
      String v = get(name, null);
      try {
        return v == null ? null : Integer.valueOf(v);
      } catch (NumberFormatException e) {
        throw new UnideployException("input '" + name + "' is '" + v + "': write a number");
      }
    }

    List<Integer> integers(String name) {
      List<Integer> out = new ArrayList<>();
      for (String s : list(name, null)) {
        try {
          out.add(Integer.valueOf(s));
        } catch (NumberFormatException e) {
          throw new UnideployException(
              "input '" + name + "' has '" + s + "': write port numbers, such as 8080, 8443");
        }
      }
      return out;
    }

    java.time.Duration duration(String name) {
      String v = get(name, null);
      try {
        return v == null ? null : DurationText.parse(v);
      } catch (IllegalArgumentException e) {
        throw new UnideployException("input '" + name + "': " + e.getMessage());
      }
    }

    /** Comma-, space- or newline-separated values. */
    List<String> list(String name, String fallback) {
      String v = get(name, fallback);
      List<String> out = new ArrayList<>();
      if (v != null) {
        for (String s : v.split("[,\\s]+")) {
          if (!s.isBlank()) {
            out.add(s.strip());
          }
        }
      }
      return out;
    }
  }
}
