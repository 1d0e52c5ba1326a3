package dev.unideploy.cli;

import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.publish.PublishResult;
import dev.unideploy.pipeline.rollout.DeployResult;
import dev.unideploy.pipeline.rollout.InstanceReport;
import dev.unideploy.pipeline.spi.RegionImage;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Markdown of the job summary: per provider, the images by region (linked to the cloud's
 * console), the server group in service, the run's steps and health as a Mermaid timeline, and the
 * instances (with their console's last lines when one failed). Every piece of text from outside
 * (names, messages, console lines) is escaped for the place it goes: table cells, HTML, Mermaid.
 */
final class ActionSummary {
  private final StringBuilder md = new StringBuilder();

  /** One provider's run: its result, or the failure that stopped it. */
  record Run(
      String provider,
      PublishResult published,
      DeployResult deployed,
      String failure,
      List<InstanceReport> failedInstances,
      RunTimeline timeline) {}

  ActionSummary(String command, String app, String version) {
    md.append("## unideploy ")
        .append(command)
        .append(": ")
        .append(code(app == null ? "(no app)" : app))
        .append(version == null ? "" : " " + code(version))
        .append("\n\n");
  }

  ActionSummary add(Run run) {
    boolean ok = run.failure() == null;
    md.append("### ")
        .append(ok ? "✅ " : "❌ ")
        .append(html(run.provider()))
        .append(ok ? "" : ": failed")
        .append("\n\n");
    if (!ok) {
      md.append("> ").append(html(firstLine(run.failure()))).append("\n\n");
    }
    PublishResult p = run.deployed() != null ? run.deployed().publish() : run.published();
    if (p != null) {
      images(p);
    }
    if (run.deployed() != null) {
      DeployResult d = run.deployed();
      md.append("**In service:** ").append(code(d.group()));
      if (d.previous() != null) {
        md.append(", replacing ").append(code(d.previous()));
      }
      md.append(" (").append(html(d.strategy())).append(")\n\n");
    }
    timeline(run);
    List<InstanceReport> instances =
        run.deployed() != null ? run.deployed().instances() : run.failedInstances();
    if (instances != null && !instances.isEmpty()) {
      instances(instances);
    }
    return this;
  }

  String markdown() {
    return md.toString();
  }

  private void images(PublishResult p) {
    md.append("| region | image | status |\n|---|---|---|\n");
    for (RegionImage r : p.regions()) {
      String id = r.ok() ? link(r.imageId(), consoleUrl(p.provider(), r)) : "–";
      String status = r.ok() ? (r.reused() ? "existing" : "new") : "failed: " + r.error();
      md.append("| ")
          .append(cell(r.region()))
          .append(" | ")
          .append(id)
          .append(" | ")
          .append(cell(status))
          .append(" |\n");
    }
    md.append("\nImage ")
        .append(code(p.image().name()))
        .append(", disk SHA-256 ")
        .append(code(p.sha256().substring(0, Math.min(12, p.sha256().length()))))
        .append(p.verify() == null ? ", boot check skipped" : ", boot-verified under QEMU")
        .append(".\n\n");
  }

  /**
   * The provider's own link when it gives one ({@code consoleUrl} attribute); for AWS, whose image
   * pages have a stable address, the EC2 console's.
   */
  static String consoleUrl(String provider, RegionImage r) {
    String given = r.attributes().get("consoleUrl");
    if (given != null && given.startsWith("https://")) {
      return given;
    }
    if (provider.equals("aws") && r.region().matches("[a-z0-9-]+") && r.imageId() != null) {
      return "https://"
          + r.region()
          + ".console.aws.amazon.com/ec2/home?region="
          + r.region()
          + "#ImageDetails:imageId="
          + r.imageId();
    }
    return null;
  }

  private void timeline(Run run) {
    List<RunTimeline.Step> steps = run.timeline().steps();
    Map<String, ProgressEvent> counts = run.timeline().counts();
    if (steps.isEmpty() && counts.isEmpty()) {
      return;
    }
    md.append("```mermaid\ntimeline\n    title ")
        .append(mermaid(run.provider() + " steps, from the start of the run"))
        .append('\n');
    for (RunTimeline.Step s : steps) {
      md.append("    ")
          .append(mermaid("+" + seconds(s.start())))
          .append(" : ")
          .append(mermaid(s.name()))
          .append(" : ")
          .append(mermaid(s.announce()));
      if (s.took() != null) {
        md.append(" : ").append(mermaid("took " + seconds(s.took())));
      }
      md.append('\n');
    }
    for (ProgressEvent c : counts.values()) {
      md.append("    ")
          .append(mermaid("health"))
          .append(" : ")
          .append(mermaid(c.task() + " " + c.done() + " of " + c.total()))
          .append('\n');
    }
    md.append("```\n\n");
  }

  private void instances(List<InstanceReport> instances) {
    md.append("| instance | state | detail |\n|---|---|---|\n");
    for (InstanceReport i : instances) {
      md.append("| ")
          .append(cell(i.id()))
          .append(" | ")
          .append(i.state().equals("healthy") ? "✅ healthy" : "❌ " + cell(i.state()))
          .append(" | ")
          .append(cell(i.detail()))
          .append(" |\n");
    }
    md.append('\n');
    for (InstanceReport i : instances) {
      if (!i.consoleTail().isEmpty() && !i.state().equals("healthy")) {
        md.append("<details><summary>console of ")
            .append(html(i.id()))
            .append("</summary>\n\n<pre>")
            .append(html(String.join("\n", i.consoleTail())))
            .append("</pre>\n</details>\n\n");
      }
    }
  }

  private static String seconds(Duration d) {
    long s = d.toSeconds();
    return s >= 60 ? (s / 60) + "m" + (s % 60) + "s" : String.format(Locale.ROOT, "%ds", s);
  }

  private static String link(String text, String url) {
    return url == null ? code(text) : "[" + code(text) + "](" + url.replace(")", "%29") + ")";
  }

  /** Inline code: backticks in the text would end it, so they become quotes. */
  static String code(String s) {
    return "`" + TerminalText.sanitize(s).replace('`', '\'').replace("\n", " ") + "`";
  }

  /** A table cell: HTML-escaped, no pipe (it would split the cell), no line break. */
  static String cell(String s) {
    return html(s).replace("|", "&#124;").replace("\n", "<br>").replace("`", "&#96;");
  }

  static String html(String s) {
    return TerminalText.sanitize(s == null ? "" : s)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;");
  }

  /**
   * Text in a Mermaid timeline: ':' separates events there and '#' starts an entity, a backtick
   * could close the code block, and a long line is cut.
   */
  static String mermaid(String s) {
    String t =
        TerminalText.sanitize(s == null ? "" : s)
            .replace("\n", " ")
            .replace(":", "∶")
            .replace("#", "♯")
            .replace(";", ",")
            .replace("`", "'")
            .replace("<", "‹")
            .replace(">", "›")
            .replace("%%", "%");
    return t.length() > 90 ? t.substring(0, 89) + "…" : t;
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
