package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.runs.TrainedClassifier;
import io.dpft.core.runs.TrainedModel;
import io.dpft.core.tasks.FineTuningRun;
import io.dpft.core.tasks.PrivacyTarget;
import io.dpft.core.tasks.TextClassifierTraining;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.StepReport;
import io.dpft.core.train.TrainingListener;
import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.RdpAccountant;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Fine-tuning in Java", compiled and run on the tiny model of {@link TrainedRuns}:
 * {@link #example} holds the README's second java block, which {@link
 * #readme_trainingBlock_isTheCodeOfThisTest} checks; the run it writes loads back as a {@link
 * TrainedClassifier}.
 */
class ReadmeTrainingExampleTest {
  private static final Path THIS_SOURCE =
      Path.of("src", "test", "java", "io", "dpft", "cli", "ReadmeTrainingExampleTest.java");

  private record Outcome(FineTuningRun.Result result, long stepsSeen) {}

  private static Outcome example(Path model, DatasetSplits<TextDataset> splits, Path runs)
      throws IOException {
    // DP-BiTFiT at ε = 3 (σ calibrated for the whole run), progress to a listener
    long[] steps = {0};
    FineTuningRun.Result result =
        TextClassifierTraining.builder(model, splits, runs.resolve("reviews"))
            .method(new FineTuningMethod.BitFit(false))
            .privacy(PrivacyTarget.targetEpsilon(3))
            .epochs(2)
            .logicalBatchSize(16)
            .maxLength(16)
            .listener(new TrainingListener() {
              @Override
              public void onStep(StepReport step) {
                steps[0] = step.step() + 1;
              }
            })
            .build()
            .run();
    System.out.printf("%d steps, test accuracy %.3f at ε = %.2f%n",
        steps[0], result.test().get("accuracy"), result.epsilon());
    return new Outcome(result, steps[0]);
  }

  @Test
  void example_trainsWithinItsBudget_andTheRunLoadsBack(@TempDir Path dir) throws Exception {
    try (TrainedRuns tiny = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path runs = dir.resolve("runs");
      Outcome outcome = example(tiny.modelDirectory, splits(), runs);

      FineTuningRun.Result result = outcome.result();
      assertThat(result.completed()).isTrue();
      // T = ⌊epochs / q⌋ = ⌊2 / (16/80)⌋ steps, each seen by the listener
      assertThat(result.steps()).isEqualTo(10);
      assertThat(outcome.stepsSeen()).isEqualTo(10);
      // independent: δ = 1/N^1.1 and the RDP accountant's ε for the run's σ, q = 16/80, T = 10
      assertThat(result.delta()).isCloseTo(Math.pow(80, -1.1), within(1e-15));
      double epsilon = new RdpAccountant().epsilon(
          List.of(new MechanismSegment(result.noiseMultiplier(), 16.0 / 80, 10)),
          result.delta()).epsilon();
      assertThat(result.epsilon()).isCloseTo(epsilon, within(1e-9)).isLessThanOrEqualTo(3.0);
      RunManifest manifest = RunManifest.read(runs.resolve("reviews"));
      assertThat(manifest.task()).isEqualTo("text-classification");
      assertThat(manifest.privacy().sampleRate()).isEqualTo(16.0 / 80);
      assertThat(manifest.maxLength()).isEqualTo(16);
      try (TrainedModel trained = TrainedModel.load(runs.resolve("reviews"))) {
        assertThat(trained).isInstanceOf(TrainedClassifier.class);
        // the loaded model scores the test split as the run did at its end
        assertThat(((TrainedClassifier) trained).evaluate(splits().test()).accuracy())
            .isEqualTo(result.test().get("accuracy"));
      }
    }
  }

  @Test
  void build_badSetting_isRefusedNamingIt(@TempDir Path dir) {
    TextClassifierTraining.Builder builder =
        TextClassifierTraining.builder(dir, splits(), dir.resolve("run")).epochs(-1);

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("epochs must be >= 0 (0: taken from the recipe), got -1.0");
    assertThat(dir.resolve("run")).doesNotExist();
  }

  @Test
  void readme_trainingBlock_isTheCodeOfThisTest() throws IOException {
    ReadmeBlocks.assertBlockIsIn(1, THIS_SOURCE);
  }

  /** 80 / 10 / 10 labelled reviews: positive when the first word is. */
  private static DatasetSplits<TextDataset> splits() {
    return new DatasetSplits<>(reviews("train", 80, 0), reviews("validation", 10, 100),
        reviews("test", 10, 200));
  }

  private static TextDataset reviews(String name, int n, int offset) {
    String[] words = {"good", "great", "bad", "awful"};
    List<TextExample> examples = new ArrayList<>();
    for (int i = offset; i < offset + n; i++) {
      String first = words[i % words.length];
      examples.add(TextExample.single(first + " movie number " + i, i % words.length < 2 ? 1 : 0));
    }
    return new TextDataset(name, examples, LabelVocabulary.of("neg", "pos"), SkipReport.NONE);
  }
}
