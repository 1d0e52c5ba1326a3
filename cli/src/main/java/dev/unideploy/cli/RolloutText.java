package dev.unideploy.cli;

import dev.unideploy.pipeline.rollout.InstanceReport;
import java.io.PrintWriter;
import java.util.List;

/** How rollout commands print instances, plans and failures for a person. */
final class RolloutText {
  private RolloutText() {}

  /** A table of instances; below it, the console tail of each one that is not healthy. */
  static void instances(List<InstanceReport> reports, PrintWriter out) {
    if (reports.isEmpty()) {
      return;
    }
    Table t = new Table("INSTANCE", "STATE", "DETAIL");
    for (InstanceReport i : reports) {
      t.row(i.id(), i.state(), TerminalText.sanitize(i.detail()));
    }
    t.print(out);
    for (InstanceReport i : reports) {
      if (!i.state().equals("healthy") && !i.consoleTail().isEmpty()) {
        out.println("console of " + i.id() + " (last lines):");
        // The console is the guest's: its text, never its control sequences.
        i.consoleTail().forEach(l -> out.println("  | " + TerminalText.sanitize(l)));
      }
    }
  }

  static void plan(List<String> steps, PrintWriter out) {
    for (int i = 0; i < steps.size(); i++) {
      out.println(String.format(java.util.Locale.ROOT, "%3d. %s", i + 1, steps.get(i)));
    }
  }
}
