package dev.unideploy.cli;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.pipeline.rollout.InstanceReport;
import dev.unideploy.sample.demo.Demo;
import dev.unideploy.sample.demo.DemoResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code unideploy demo}: the whole job on the built-in sample unikernel, locally. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the whole job on a built-in sample unikernel: inspect, convert to every format,"
          + " boot each under QEMU, publish to the local store, deploy instances, report."
    })
final class DemoCommand extends AbstractCommand<DemoResult> {

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "Work folder for the images and logs (default: a new temporary folder).")
  Path dir;

  @Option(
      names = "--home",
      paramLabel = "DIR",
      description =
          "The local provider's home (default: $UNIDEPLOY_LOCAL_HOME or ~/.unideploy/local).")
  Path home;

  @Option(
      names = "--keep",
      description =
          "Leave the instances running (stop them later with unideploy instances stop --all"
              + " --app "
              + Demo.APP
              + ").")
  boolean keep;

  @Option(
      names = "--instances",
      paramLabel = "N",
      description = "Instances to deploy (default: ${DEFAULT-VALUE}).")
  int instances = 2;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description =
          "Deadline for each boot and for the instances' health (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds = 180;

  @Option(
      names = "--accel",
      paramLabel = "auto|kvm|tcg",
      description = "QEMU accelerator for every boot (default: ${DEFAULT-VALUE}: KVM when usable).")
  String accel = "auto";

  @Override
  protected DemoResult execute(EventSink events) throws Exception {
    Path work = dir != null ? dir : Files.createTempDirectory("unideploy-demo-");
    return new Demo(events)
        .run(
            new Demo.Options(
                work,
                home,
                instances,
                Duration.ofSeconds(timeoutSeconds),
                accelerator(accel),
                keep));
  }

  static Accelerator accelerator(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "auto" -> null;
      case "kvm" -> Accelerator.KVM;
      case "tcg" -> Accelerator.TCG;
      default -> throw new UnideployException("--accel must be auto, kvm or tcg, was " + name);
    };
  }

  @Override
  protected void printSummary(DemoResult r, PrintWriter out) {
    out.println(
        "sample unikernel: "
            + Sizes.human(r.inspect().virtualSize())
            + " virtual, "
            + Sizes.human(r.inspect().allocatedBytes())
            + " allocated, sha256 "
            + r.inspect().sha256());
    out.println();
    Table t = new Table("FORMAT", "FILE SIZE", "VIRTUAL", "CONVERT", "CONTENT", "BOOT", "ACCEL");
    for (DemoResult.FormatRow f : r.formats()) {
      t.row(
          f.format(),
          Sizes.human(f.fileBytes()),
          Sizes.human(f.virtualSize()),
          String.format(Locale.ROOT, "%.2f s", f.convertSeconds()),
          f.content(),
          String.format(Locale.ROOT, "%.2f s", f.bootSeconds()),
          f.accelerator());
    }
    t.print(out);
    out.println();
    var image = r.deploy().publish().image();
    out.println(
        "published "
            + image.name()
            + " ("
            + image.id()
            + (image.reused() ? ", already in the store" : "")
            + ")");
    out.println("deployed " + r.deploy().group() + ":");
    Table it = new Table("INSTANCE", "HEALTH", "DETAIL");
    for (InstanceReport i : r.deploy().instances()) {
      it.row(i.id(), i.state(), i.detail());
    }
    it.print(out);
    out.println();
    out.println(
        r.stopped()
            ? "instances stopped (run with --keep to leave them running)"
            : "instances left running: unideploy instances list; stop with unideploy instances"
                + " stop "
                + r.deploy().group());
    out.println("images and verification logs: " + r.workDir());
    out.printf(Locale.ROOT, "demo finished in %.1f s%n", r.wallSeconds());
  }
}
