package io.dpft.core.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.runs.TrainedGenerator;
import io.dpft.core.runs.TrainedModel;
import io.dpft.core.train.RunManifest;
import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.data.datasets.table.E2eReader;
import io.dpft.data.datasets.table.TableToTextDataset;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GeneratorTraining} on the tiny reference GPT-2 with a generated E2E-style file ({@link
 * TinyE2e}): 40 training rows; validation and test are one file of 6.
 */
class GeneratorTrainingTest {
  @TempDir Path dir;
  private Path model;
  private DatasetSplits<TableToTextDataset> e2e;

  @BeforeEach
  void data() throws IOException {
    model = TinyE2e.modelDirectory(dir.resolve("model"));
    TableToTextDataset train =
        E2eReader.read(TinyE2e.csv(dir.resolve("train.csv"), TinyE2e.rows(40, 0)), false);
    TableToTextDataset validation =
        E2eReader.read(TinyE2e.csv(dir.resolve("valid.csv"), TinyE2e.rows(6, 3)), false);
    e2e = new DatasetSplits<>(train, validation, validation);
  }

  @Test
  void privateBitFit_spendsWithinItsTarget_writesItsSettings_andLoadsBack() throws IOException {
    Path run = dir.resolve("run");
    TrainingBuilder<?, ?> builder = GeneratorTraining.builder(model, e2e, run)
        .datasetName("e2e")
        .method(new FineTuningMethod.BitFit(false))
        .privacy(PrivacyTarget.targetEpsilon(3))
        .epochs(2)
        .logicalBatchSize(8)
        .physicalBatchSize(8)
        .optimizer(OptimizerConfig.Adam.defaults(), 3e-3)
        .maxLength(32)
        .evalPrompts(4)
        .maxNewTokens(12)
        .seed(17);

    // q = 8/40, T = ⌊2 / q⌋ = 10
    FineTuningRun.Result result = BuiltRuns.runWithinTarget(builder, run, 40, 0.2, 10, 3);
    assertThat(result.test().get(CausalLmJob.PROMPTS)).isEqualTo(4.0);
    RunManifest manifest = RunManifest.read(run);
    assertThat(manifest.task()).isEqualTo("causal-lm");
    assertThat(manifest.dataset()).isEqualTo("e2e");
    assertThat(manifest.method()).isEqualTo("bitfit");
    assertThat(manifest.maxLength()).isEqualTo(32);
    assertThat(manifest.epochs()).isEqualTo(2);
    assertThat(manifest.logicalBatchSize()).isEqualTo(8);
    assertThat(manifest.datasetSizes()).containsEntry("train", 40);
    try (TrainedModel trained = TrainedModel.load(run)) {
      assertThat(trained).isInstanceOf(TrainedGenerator.class);
      // greedy generation of the loaded model scores the test prompts as the run did at its end
      TextGeneration.Scores scores = ((TrainedGenerator) trained).generation(12, 1)
          .score(CausalLmJob.firstPrompts(e2e.test(), 4));
      assertThat(scores.bleu().score())
          .isCloseTo(result.test().get(CausalLmJob.BLEU), within(1e-9));
    }
  }

  @Test
  void build_settingsOutOfRange_areRefusedNamingEach() {
    Path run = dir.resolve("run");
    BuiltRuns.assertRefusedAtBuild(GeneratorTraining.builder(model, e2e, run).evalPrompts(0),
        run, "evalPrompts must be >= 1, got 0");
    BuiltRuns.assertRefusedAtBuild(GeneratorTraining.builder(model, e2e, run).warmupFraction(1),
        run, "warmupFraction must be in [0, 1), got 1.0");
  }

  @Test
  void lastLayer_trainsNothingOfGpt2_andIsRefusedBeforeAnyStep() throws IOException {
    Training training = GeneratorTraining.builder(model, e2e, dir.resolve("run"))
        .method(new FineTuningMethod.LastLayer())
        .build();

    assertThatThrownBy(training::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("last-layer trains no parameter");
  }
}
