package io.dpft.cli;

import io.dpft.cli.report.HtmlReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dpft report}: (re)writes a run directory's {@code report.html}, see {@link HtmlReport}.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    header = "Write the HTML report of a training run.",
    description =
        "Writes report.html into a run directory: the privacy guarantee in words, final metrics,"
            + " loss, accuracy and ε-spent curves, dataset sizes, the full configuration and"
            + " versions. The page is self-contained (charts embedded, no external resources).",
    footer = {
      "dpft report --run-dir runs/sentiment",
      "dpft report --run-dir runs/sentiment --output /tmp/run.html"
    })
final class ReportCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;
  @Mixin private HelpLayout helpLayout;

  @ArgGroup(exclusive = true, multiplicity = "1")
  private RunDirectoryArgument runDirectory;

  /** {@code --run-dir}, or the run directory as the first argument, as dpft report once took it. */
  static final class RunDirectoryArgument extends RunDirectoryOption {
    @Parameters(index = "0", paramLabel = "RUN_DIR", hidden = true)
    void positional(Path directory) {
      path = directory;
    }
  }

  @Option(
      names = "--output",
      paramLabel = "FILE",
      order = 1,
      description = "where to write the page; default: RUN_DIR/" + HtmlReport.FILE)
  private Path output;

  @Override
  public Integer call() throws Exception {
    Path written =
        HtmlReport.write(
            runDirectory.path,
            output != null ? output : runDirectory.path.resolve(HtmlReport.FILE));
    spec.commandLine().getOut().println("wrote " + written);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
