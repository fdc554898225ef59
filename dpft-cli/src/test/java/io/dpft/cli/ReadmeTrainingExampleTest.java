package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.runs.TrainedClassifier;
import io.dpft.core.runs.TrainedModel;
import io.dpft.core.tasks.FineTuningRun;
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
 * #readme_trainingBlock_isTheCodeOfThisTest} checks.
 */
class ReadmeTrainingExampleTest {
  private static final Path THIS_SOURCE =
      Path.of("src", "test", "java", "io", "dpft", "cli", "ReadmeTrainingExampleTest.java");

  private record Outcome(FineTuningRun.Result result, long stepsSeen, float[][] probabilities) {}

  private static Outcome example(Path model, DatasetSplits<TextDataset> splits, Path runs)
      throws IOException {
    // DP-BiTFiT at ε = 3 (σ calibrated for the whole run), progress to a listener
    long[] steps = {0};
    FineTuningRun.Result result =
        TextClassifierTraining.builder(model, splits, runs.resolve("reviews"))
            .method(new FineTuningMethod.BitFit(false))
            .privacy(TextClassifierTraining.targetEpsilon(3))
            .epochs(2)
            .batchSize(16)
            .maxLength(16)
            .listener(new TrainingListener() {
              @Override
              public void onStep(StepReport step) {
                steps[0] = step.step() + 1;
              }
            })
            .build()
            .run();
    System.out.printf("test accuracy %.3f at ε = %.2f%n",
        result.test().get("accuracy"), result.epsilon());

    // any finished run loads as the model of its task: predict, evaluate, export
    float[][] probabilities;
    try (TrainedModel trained = TrainedModel.load(runs.resolve("reviews"))) {
      TrainedClassifier classifier = (TrainedClassifier) trained;
      probabilities = classifier.probabilities(
          List.of(TextExample.single("a great movie", TextExample.UNLABELED)));
      System.out.println(classifier.labels().names() + " " + classifier.evaluate(splits.test()));
      trained.exportTo(runs.resolve("reviews-model"));
    }
    return new Outcome(result, steps[0], probabilities);
  }

  @Test
  void example_trainsWithinItsBudget_andTheRunLoadsPredictsAndExports(@TempDir Path dir)
      throws Exception {
    try (TrainedRuns tiny = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Outcome outcome = example(tiny.modelDirectory, splits(), dir.resolve("runs"));

      FineTuningRun.Result result = outcome.result();
      assertThat(result.completed()).isTrue();
      assertThat(outcome.stepsSeen()).isEqualTo(result.steps());
      // independent: the RDP accountant's ε for the run's σ, q = 16/80 and T steps
      RunManifest manifest = RunManifest.read(dir.resolve("runs").resolve("reviews"));
      double epsilon = new RdpAccountant().epsilon(
          List.of(new MechanismSegment(result.noiseMultiplier(), 16.0 / 80, result.steps())),
          result.delta()).epsilon();
      assertThat(result.epsilon()).isCloseTo(epsilon, within(1e-9)).isLessThanOrEqualTo(3.0);
      assertThat(manifest.privacy().sampleRate()).isEqualTo(16.0 / 80);
      assertThat(outcome.probabilities()[0][0] + outcome.probabilities()[0][1])
          .isCloseTo(1f, within(1e-5f));
      assertThat(dir.resolve("runs").resolve("reviews-model").resolve("modules.json"))
          .isRegularFile();
    }
  }

  @Test
  void build_badSetting_isRefusedNamingIt(@TempDir Path dir) {
    TextClassifierTraining.Builder builder =
        TextClassifierTraining.builder(dir, splits(), dir.resolve("run")).epochs(0);

    org.assertj.core.api.Assertions.assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("epochs must be > 0, got 0.0");
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
