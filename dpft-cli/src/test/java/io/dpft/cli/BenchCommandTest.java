package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.bench.BenchConfig;
import io.dpft.core.bench.BenchMethod;
import io.dpft.core.bench.BenchOptimizer;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.nn.Precision;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Option parsing only: running a benchmark needs a pretrained model and minutes. */
class BenchCommandTest {

  @Test
  void options_becomeTheConfig() {
    BenchCommand command = new BenchCommand();
    new CommandLine(command)
        .parseArgs("--model", "bge-small-en-v1.5", "--methods", "bitfit,per-example",
            "--dp", "on,off", "--batch-size", "16", "--seq-len", "64", "--steps", "3",
            "--warmup", "0", "--optimizer", "AdamW", "--dropout", "0.1", "--precision", "bf16",
            "--json");
    BenchConfig config = command.toConfig();
    assertThat(config)
        .isEqualTo(new BenchConfig("bge-small-en-v1.5",
            List.of(BenchMethod.BITFIT, BenchMethod.PER_EXAMPLE), List.of(true, false), 16, 64,
            3, 0, 1.0, 1.0, 0, BenchOptimizer.ADAMW, 0.1, Precision.BF16));
    assertThat(command.json).isTrue();
  }

  @Test
  void defaults_stepPlainSgdWithoutDropout_asThePeersBenchmark() {
    BenchCommand command = new BenchCommand();
    new CommandLine(command).parseArgs();
    BenchConfig config = command.toConfig();
    assertThat(config.optimizer()).isEqualTo(BenchOptimizer.SGD);
    assertThat(config.optimizer().config()).isEqualTo(new OptimizerConfig.Sgd(0, 0));
    assertThat(config.dropout()).isZero();
  }

  @Test
  void unknownOptimizer_isAUsageErrorNamingTheChoices() {
    StringWriter err = new StringWriter();
    int code = new CommandLine(new BenchCommand()).setErr(new PrintWriter(err))
        .execute("--optimizer", "lamb");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("optimizer must be one of sgd, adam, adamw, got 'lamb'");
  }

  @Test
  void dp_notOnOrOff_isAUsageError() {
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new BenchCommand())
            .setErr(new PrintWriter(err))
            .execute("--dp", "maybe");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--dp takes on and/or off, got 'maybe'");
  }

  @Test
  void perExampleWithoutDp_isAUsageError() {
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new BenchCommand())
            .setErr(new PrintWriter(err))
            .execute("--methods", "per-example", "--dp", "off");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("per-example runs only with DP");
  }
}
