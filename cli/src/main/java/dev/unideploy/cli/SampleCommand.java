package dev.unideploy.cli;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.sample.SampleUnikernel;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code unideploy sample disk.img}: writes the project's sample unikernel, so a new user has a
 * bootable image to try {@code verify}, {@code publish} and {@code deploy} with.
 */
@Command(
    name = "sample",
    mixinStandardHelpOptions = true,
    description = {
      "Write the sample unikernel (a sparse raw disk, built by unideploy's own code) to FILE.",
      "It prints a banner and 'READY sample-unikernel <tag>' on its serial console and keeps running."
    })
final class SampleCommand extends AbstractCommand<SampleCommand.Written> {

  /** The sample written, and the line that says it is up. */
  record Written(String file, long virtualSize, String ready) {}

  @Parameters(index = "0", paramLabel = "FILE", description = "Where to write the raw image.")
  Path file;

  @Option(
      names = "--tag",
      paramLabel = "TAG",
      description = "Printed in its banner and readiness line (default: ${DEFAULT-VALUE}).")
  String tag = "v1";

  @Option(
      names = "--size",
      paramLabel = "MiB",
      description = "Virtual size in MiB (default: ${DEFAULT-VALUE}).")
  int sizeMiB = 64;

  @Option(names = "--force", description = "Replace FILE if it exists.")
  boolean force;

  @Override
  protected Written execute(EventSink events) throws Exception {
    if (Files.exists(file) && !Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new UnideployException(
          file
              + " exists and is not a regular file; name a new file or an existing one to replace");
    }
    if (Files.exists(file) && !force) {
      throw new UnideployException(
          file + " exists: pass --force to replace it, or name another file");
    }
    SampleUnikernel.Options options;
    try {
      options =
          SampleUnikernel.Options.defaults().withTag(tag).withVirtualSize((long) sizeMiB << 20);
    } catch (IllegalArgumentException e) {
      throw new CliExitException(ExitCodes.USAGE, e.getMessage());
    }
    SampleUnikernel.write(file, options);
    return new Written(file.toString(), options.virtualSize(), SampleUnikernel.readyLine(options));
  }

  @Override
  protected void printSummary(Written r, PrintWriter out) {
    out.println("wrote " + r.file() + " (" + Sizes.human(r.virtualSize()) + ")");
    out.println("it is ready when its console prints: " + r.ready());
  }
}
