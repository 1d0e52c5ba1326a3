package dev.unideploy.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unideploy.pipeline.ResultJson;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.job.DeployJob;
import dev.unideploy.pipeline.job.PublishJob;
import dev.unideploy.pipeline.publish.PublishResult;
import dev.unideploy.pipeline.rollout.DeployResult;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.Providers;
import dev.unideploy.pipeline.spi.RegionImage;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;

/**
 * {@code unideploy action}: the GitHub Action's step ({@code action.yml}). Reads the action's
 * inputs from the environment as the runner passes them, runs {@link PublishJob} or {@link
 * DeployJob} for each provider named, and reports the way a workflow reads it: step outputs, a job
 * summary, annotations, the log grouped, with secrets masked and workflow commands turned off
 * around everything that comes from a guest or a cloud.
 */
@Command(
    name = "action",
    description =
        "Run as the unideploy GitHub Action's step: inputs come from INPUT_* variables, results go"
            + " to $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY (see docs/github-actions.md). Not"
            + " meant to be run by hand.")
final class ActionCommand implements Callable<Integer> {
  /** Config keys whose string values may be secrets: masked before anything is logged. */
  private static final Pattern SECRET_KEY =
      Pattern.compile("(?i).*(secret|token|password|passphrase|externalid|sas|credential).*");

  /** At most this many warning annotations per provider: GitHub shows only the first ten. */
  private static final int MAX_WARNINGS = 10;

  private final Map<String, String> env;
  private final PrintStream log;

  ActionCommand() {
    this(System.getenv(), System.out);
  }

  ActionCommand(Map<String, String> env, PrintStream log) {
    this.env = env;
    this.log = log;
  }

  @Override
  public Integer call() throws IOException {
    WorkflowCommands wf = new WorkflowCommands(log);
    ActionInputs in;
    try {
      in = ActionInputs.read(env);
    } catch (UnideployException | IllegalArgumentException e) {
      wf.error("unideploy: invalid input", e.getMessage());
      return ExitCodes.USAGE;
    }
    boolean verbose = "1".equals(env.get("RUNNER_DEBUG"));
    List<ActionSummary.Run> runs = new ArrayList<>();
    ObjectNode document = JsonNodeFactory.instance.objectNode();
    document.put("command", in.command());
    ObjectNode results = document.putObject("results");
    ObjectNode errors = document.putObject("errors");
    DeployConfig first = null;
    for (String name : in.providers()) {
      RunTimeline timeline = new RunTimeline(System::nanoTime);
      ConsoleRenderer renderer = new ConsoleRenderer(log, false, false, verbose, System::nanoTime);
      EventSink events =
          e -> {
            renderer.emit(e);
            timeline.emit(e);
          };
      Object result = null;
      String failure = null;
      List<dev.unideploy.pipeline.rollout.InstanceReport> failed = List.of();
      DeployConfig config = null;
      try {
        config = ConfigLoader.resolve(in.config(), env, in.overrides());
        maskSecrets(wf, config);
      } catch (UnideployException e) {
        failure = e.getMessage();
      }
      if (first == null) {
        first = config;
      }
      wf.group("unideploy " + in.command() + " on " + name);
      try (WorkflowCommands.Untrusted untrusted = wf.untrusted()) {
        if (config != null) {
          try {
            Provider provider = Providers.named(name);
            result =
                in.command().equals("deploy")
                    ? new DeployJob(provider, config, events, Clock.systemUTC()).run(in.options())
                    : new PublishJob(provider, config, events, Clock.systemUTC()).run(in.options());
            // The engine reports a rollback as its result (the old release still serves); for
            // the workflow it is a failed step, as for `unideploy deploy` (exit 1).
            if (result instanceof DeployResult d && d.rolledBack()) {
              failure = DeployCommand.rolledBack(d);
              failed = d.instances();
              result = null;
            }
          } catch (UnideployException | IOException e) {
            failure = ErrorHandler.describe(e);
          } catch (RuntimeException e) {
            failure = ErrorHandler.describe(e) + " (this looks like a bug in unideploy)";
          }
        }
        if (failure != null) {
          log.println("unideploy: " + TerminalText.sanitize(failure));
        }
      }
      wf.endGroup();
      List<String> warnings = timeline.warnings();
      for (String w : warnings.subList(0, Math.min(MAX_WARNINGS, warnings.size()))) {
        wf.warning("unideploy " + name, TerminalText.sanitize(w));
      }
      if (failure != null) {
        wf.error(
            "unideploy " + in.command() + " failed on " + name, TerminalText.sanitize(failure));
        errors.put(name, failure);
      } else {
        results.set(name, ResultJson.tree(result));
      }
      PublishResult published = result instanceof PublishResult p ? p : null;
      DeployResult deployed = result instanceof DeployResult d ? d : null;
      if (published != null && !published.failedRegions().isEmpty()) {
        wf.warning(
            "unideploy publish on " + name,
            "not published in " + String.join(", ", published.failedRegions()) + ": re-run");
      }
      runs.add(new ActionSummary.Run(name, published, deployed, failure, failed, timeline));
    }
    String outcome = outcome(runs);
    document.put("outcome", outcome);
    Files.createDirectories(in.resultFile().toAbsolutePath().getParent());
    Files.writeString(in.resultFile(), ResultJson.write(document) + "\n");
    writeOutputs(wf, in, runs, outcome);
    writeSummary(wf, in, first, runs);
    return switch (outcome) {
      case "success" -> ExitCodes.OK;
      case "partial" -> ExitCodes.PARTIAL;
      default -> ExitCodes.FAILURE;
    };
  }

  private static String outcome(List<ActionSummary.Run> runs) {
    if (runs.stream().anyMatch(r -> r.failure() != null)) {
      return "failed";
    }
    boolean partial =
        runs.stream()
            .map(r -> r.deployed() != null ? r.deployed().publish() : r.published())
            .anyMatch(p -> p != null && !p.failedRegions().isEmpty());
    return partial ? "partial" : "success";
  }

  private void writeOutputs(
      WorkflowCommands wf, ActionInputs in, List<ActionSummary.Run> runs, String outcome)
      throws IOException {
    String file = env.get("GITHUB_OUTPUT");
    if (file == null || file.isBlank()) {
      wf.warning("unideploy", "GITHUB_OUTPUT is not set: no step outputs written");
      return;
    }
    ObjectNode images = JsonNodeFactory.instance.objectNode();
    String primary = "";
    String group = "";
    String previous = "";
    for (ActionSummary.Run r : runs) {
      PublishResult p = r.deployed() != null ? r.deployed().publish() : r.published();
      if (p != null) {
        ObjectNode byRegion = images.putObject(r.provider());
        for (RegionImage region : p.regions()) {
          if (region.ok()) {
            byRegion.put(region.region(), region.imageId());
          }
        }
        if (primary.isEmpty()) {
          primary = p.image().id();
        }
      }
      if (r.deployed() != null && group.isEmpty()) {
        group = r.deployed().group();
        previous = r.deployed().previous() == null ? "" : r.deployed().previous();
      }
    }
    Map<String, String> outputs = new LinkedHashMap<>();
    outputs.put("images", images.toString());
    outputs.put("image-id", primary);
    outputs.put("group", group);
    outputs.put("previous-group", previous);
    outputs.put("result", in.resultFile().toAbsolutePath().toString());
    outputs.put("outcome", outcome);
    GithubFiles.appendOutputs(Path.of(file), outputs);
  }

  private void writeSummary(
      WorkflowCommands wf, ActionInputs in, DeployConfig config, List<ActionSummary.Run> runs)
      throws IOException {
    String file = env.get("GITHUB_STEP_SUMMARY");
    if (file == null || file.isBlank()) {
      wf.warning("unideploy", "GITHUB_STEP_SUMMARY is not set: no job summary written");
      return;
    }
    ActionSummary summary =
        new ActionSummary(
            in.command(),
            config == null ? null : config.app(),
            config == null ? null : config.version());
    runs.forEach(summary::add);
    GithubFiles.appendSummary(Path.of(file), summary.markdown());
  }

  /**
   * Masks what could be a secret before the first line is logged: the state location's user info
   * and query (a signed URL), and config values under secret-sounding keys (an AWS external id).
   */
  static void maskSecrets(WorkflowCommands wf, DeployConfig config) {
    if (config.state() != null && config.state().contains("://")) {
      try {
        URI uri = URI.create(config.state());
        wf.mask(uri.getRawUserInfo());
        wf.mask(uri.getRawQuery());
      } catch (IllegalArgumentException e) {
        // Not a URL: a folder, nothing secret in it.
      }
    }
    maskTree(wf, config.providers());
  }

  private static void maskTree(WorkflowCommands wf, JsonNode node) {
    for (Map.Entry<String, JsonNode> f : node.properties()) {
      if (f.getValue().isContainerNode()) {
        maskTree(wf, f.getValue());
      } else if (f.getValue().isTextual() && SECRET_KEY.matcher(f.getKey()).matches()) {
        wf.mask(f.getValue().asText());
      }
    }
    if (node.isArray()) {
      node.forEach(n -> maskTree(wf, n));
    }
  }
}
