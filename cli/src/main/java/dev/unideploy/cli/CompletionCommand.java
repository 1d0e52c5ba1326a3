package dev.unideploy.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code unideploy completion}: prints the shell completion script for bash and zsh. */
@Command(
    name = "completion",
    description =
        "Print a completion script for bash and zsh (every command, option and enum value). Load it"
            + " now with: source <(unideploy completion); or install it for every shell with:"
            + " unideploy completion > ~/.local/share/bash-completion/completions/unideploy"
            + " (zsh: run 'autoload -U +X bashcompinit && bashcompinit' first).")
final class CompletionCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    // The whole command tree, not the one Main built for this run (only this subcommand).
    String script = AutoComplete.bash("unideploy", Main.newCommandLine());
    PrintWriter out = spec.commandLine().getOut();
    out.print(script);
    out.flush();
    return ExitCodes.OK;
  }
}
