package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.cli.report.HtmlReport;
import io.dpft.cli.report.RunFiles;
import io.dpft.core.train.MetricsLog;
import io.dpft.core.train.RunManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {
  @TempDir Path dir;

  private Path run() throws Exception {
    return RunFiles.write(
        dir.resolve("run"),
        RunFiles.manifest(
            "all-minilm-l6-v2", "/m", "sentiment", List.of("0", "1"), RunFiles.SECURE));
  }

  @Test
  void report_writesReportHtmlIntoTheRunDirectory() throws Exception {
    Path run = run();

    Cli cli = Cli.run("report", "--run-dir", run.toString());

    assertThat(cli.exitCode()).as(cli.err()).isZero();
    Path report = run.resolve(HtmlReport.FILE);
    assertThat(cli.out()).isEqualTo("wrote " + report + "\n");
    assertThat(Files.readString(report))
        .contains("σ = 0.8123")
        .contains("data:image/png;base64,");
  }

  @Test
  void report_output_writesThere() throws Exception {
    Path output = dir.resolve("elsewhere.html");

    // the run directory as a bare argument: the old spelling, still accepted
    Cli cli = Cli.run("report", run().toString(), "--output", output.toString());

    assertThat(cli.exitCode()).as(cli.err()).isZero();
    assertThat(output).isRegularFile();
    assertThat(dir.resolve("run").resolve(HtmlReport.FILE)).doesNotExist();
  }

  @Test
  void report_missingRunDirectory_exitsTwoNamingIt() {
    Path missing = dir.resolve("nope");

    Cli cli = Cli.run("report", missing.toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.errLines()).hasSize(1);
    assertThat(cli.err()).startsWith("dpft report: run directory " + missing + " does not exist");
  }

  @Test
  void report_notARunDirectory_exitsTwoNamingTheMissingConfig() throws Exception {
    Path plain = Files.createDirectories(dir.resolve("plain"));

    Cli cli = Cli.run("report", plain.toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.errLines()).hasSize(1);
    assertThat(cli.err()).contains("not a run directory: " + plain.resolve(RunManifest.FILE));
  }

  @Test
  void report_garbledConfig_exitsTwoNamingTheFile() throws Exception {
    Path run = run();
    Files.writeString(run.resolve(RunManifest.FILE), "{\"model\": ");

    Cli cli = Cli.run("report", run.toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.errLines()).hasSize(1);
    assertThat(cli.err())
        .contains(run.resolve(RunManifest.FILE) + " is not a valid run configuration");
  }

  @Test
  void report_malformedMetricsLine_exitsTwoNamingFileAndLine() throws Exception {
    Path run = run();
    Path metrics = run.resolve(MetricsLog.FILE);
    List<String> lines = new ArrayList<>(Files.readAllLines(metrics));
    lines.set(9, lines.get(9).replace("\"epsilon\":", "\"eps\":"));
    Files.write(metrics, lines);

    Cli cli = Cli.run("report", run.toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.out()).isEmpty();
    assertThat(cli.errLines()).hasSize(1);
    assertThat(cli.err())
        .startsWith(
            "dpft report: " + metrics + ", line 10: field 'epsilon' must be a number, got null");
  }

  @Test
  void help_exitsZero() {
    Cli cli = Cli.run("report", "--help");

    assertThat(cli.exitCode()).isZero();
    assertThat(cli.out()).contains("RUN_DIR", "--output=FILE", "Examples:");
  }
}
