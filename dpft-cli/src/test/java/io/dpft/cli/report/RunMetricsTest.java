package io.dpft.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.cli.report.RunMetrics.EvalPoint;
import io.dpft.cli.report.RunMetrics.TrainPoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunMetricsTest {
  private static final String TRAIN =
      "{\"type\":\"train\",\"step\":1,\"epoch\":0.1,\"samples\":16,\"loss\":0.69,\"lr\":0.005,"
          + "\"epsilon\":0.4,\"samples_per_s\":80.0,\"mean_grad_norm\":2.5,\"clipped_fraction\":0.75}";
  private static final String EVAL =
      "{\"type\":\"eval\",\"step\":1,\"epoch\":0.1,\"split\":\"validation\",\"accuracy\":0.6,\"f1\":0.5}";

  @TempDir Path dir;

  private Path file(String... lines) throws Exception {
    return Files.write(dir.resolve("metrics.jsonl"), List.of(lines));
  }

  @Test
  void read_trainAndEvalLines_keepsEveryNumericField() throws Exception {
    RunMetrics metrics = RunMetrics.read(file(TRAIN, "", EVAL, "{\"type\":\"note\",\"x\":1}"));

    assertThat(metrics.train()).hasSize(1);
    TrainPoint step = metrics.train().get(0);
    assertThat(step.step()).isEqualTo(1);
    assertThat(step.loss()).isEqualTo(0.69);
    assertThat(step.epsilon()).isEqualTo(0.4);
    assertThat(step.more())
        .containsExactly(
            org.assertj.core.api.Assertions.entry("samples", 16.0),
            org.assertj.core.api.Assertions.entry("lr", 0.005),
            org.assertj.core.api.Assertions.entry("samples_per_s", 80.0),
            org.assertj.core.api.Assertions.entry("mean_grad_norm", 2.5),
            org.assertj.core.api.Assertions.entry("clipped_fraction", 0.75));
    assertThat(metrics.evals()).hasSize(1);
    EvalPoint eval = metrics.evals().get(0);
    assertThat(eval.split()).isEqualTo("validation");
    assertThat(eval.metrics()).containsOnlyKeys("accuracy", "f1");
  }

  @Test
  void read_nonFiniteLossAsJacksonWritesIt_readsAsNaN() throws Exception {
    RunMetrics metrics = RunMetrics.read(file(TRAIN.replace("0.69", "\"NaN\"")));

    assertThat(metrics.train().get(0).loss()).isNaN();
  }

  @Test
  void read_garbledLine_namesFileAndLine() throws Exception {
    Path file = file(TRAIN, EVAL, "{\"type\":\"tra");

    assertThatThrownBy(() -> RunMetrics.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(file + ", line 3: not valid JSON (column ")
        .hasMessageContaining("Unexpected end-of-input");
  }

  @Test
  void read_lineThatIsNoObject_namesFileAndLine() throws Exception {
    Path file = file("[1, 2]");

    assertThatThrownBy(() -> RunMetrics.read(file))
        .hasMessage(file + ", line 1: expected a JSON object, got [1, 2]");
  }

  @Test
  void read_trainLineWithoutEpsilon_namesTheField() throws Exception {
    Path file = file(EVAL, TRAIN.replace("\"epsilon\":0.4,", ""));

    assertThatThrownBy(() -> RunMetrics.read(file))
        .hasMessage(file + ", line 2: field 'epsilon' must be a number, got null");
  }

  @Test
  void read_trainLineWithoutLoss_readsItAsNaN_asARunThatOmitsBatchStatisticsWritesIt()
      throws Exception {
    Path file = file(TRAIN.replace("\"loss\":0.69,", ""));

    assertThat(RunMetrics.read(file).train().get(0).loss()).isNaN();
  }

  @Test
  void read_lineWithoutType_namesTheField() throws Exception {
    Path file = file("{\"step\":3}");

    assertThatThrownBy(() -> RunMetrics.read(file))
        .hasMessage(file + ", line 1: field 'type' must be a string, got null");
  }

  @Test
  void read_fractionalStep_isRejected() throws Exception {
    Path file = file(TRAIN.replace("\"step\":1", "\"step\":1.5"));

    assertThatThrownBy(() -> RunMetrics.read(file))
        .hasMessage(file + ", line 1: field 'step' must be an integer >= 0, got 1.5");
  }

  @Test
  void read_missingFile_saysNoMetricsWereLogged() {
    Path file = dir.resolve("metrics.jsonl");

    assertThatThrownBy(() -> RunMetrics.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(file + " is missing: the run logged no metrics (did training start?)");
  }

  @Test
  void lastEvalBySplit_keepsTheLastOfEachSplit() throws Exception {
    RunMetrics metrics =
        RunMetrics.read(
            file(
                EVAL,
                EVAL.replace("validation", "test"),
                EVAL.replace("0.6", "0.9").replace("\"step\":1", "\"step\":2")));

    assertThat(metrics.lastEvalBySplit()).containsOnlyKeys("validation", "test");
    assertThat(metrics.lastEvalBySplit().get("validation").metrics().get("accuracy"))
        .isEqualTo(0.9);
  }
}
