package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dpft.core.runs.ClassPrediction;
import io.dpft.core.runs.TrainedClassifier;
import io.dpft.core.runs.TrainedModel;
import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.metrics.ConfusionMatrix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Predicting from Java", compiled and run on the finished run of {@link
 * TrainedRuns}: {@link #example} holds the README's third java block, which {@link
 * #readme_predictionBlock_isTheCodeOfThisTest} checks. Its predictions and scores are compared
 * with the trained model computed directly, one example at a time ({@link
 * TrainedRuns#probabilities}).
 */
class ReadmePredictionExampleTest {
  private static final Path THIS_SOURCE =
      Path.of("src", "test", "java", "io", "dpft", "cli", "ReadmePredictionExampleTest.java");
  private static final List<String> LABELS = List.of("neg", "pos");

  private record Outcome(
      List<TextExample> texts, ConfusionMatrix test, List<ClassPrediction> predictions) {}

  private static Outcome example(Path runDirectory, TextDataset testData, Path exportDirectory)
      throws IOException {
    List<TextExample> texts = List.of(
        TextExample.single("a wonderful, moving film", TextExample.UNLABELED),
        TextExample.single("boring and far too long", TextExample.UNLABELED));
    List<ClassPrediction> predictions;
    ConfusionMatrix scores;
    try (TrainedModel trained = TrainedModel.load(runDirectory)) {
      TrainedClassifier classifier = (TrainedClassifier) trained;
      ConfusionMatrix test = classifier.evaluate(testData);
      scores = test;
      System.out.printf("test accuracy %.3f, macro F1 %.3f%n", test.accuracy(), test.macroF1());
      predictions = classifier.predict(texts);
      for (int i = 0; i < texts.size(); i++) {
        ClassPrediction p = predictions.get(i);
        System.out.println(p.label() + " " + p.probabilities() + " <- " + texts.get(i).text());
      }
      // a Hugging Face directory, as dpft export writes it (see "Using an export from Python")
      trained.exportTo(exportDirectory);
    }
    return new Outcome(texts, scores, predictions);
  }

  @Test
  void example_predictsAndScoresAsTheTrainedModel_andExports(@TempDir Path dir)
      throws Exception {
    try (TrainedRuns run = TrainedRuns.create(dir, LABELS)) {
      TextDataset testData = labelledCalibrationTexts();
      Outcome outcome = example(run.runDirectory, testData, dir.resolve("export"));

      for (int i = 0; i < outcome.texts().size(); i++) {
        double[] expected = run.probabilities(outcome.texts().get(i));
        ClassPrediction prediction = outcome.predictions().get(i);
        assertThat(prediction.probabilities().keySet()).containsExactlyElementsOf(LABELS);
        for (int k = 0; k < LABELS.size(); k++) {
          assertThat((double) prediction.probabilities().get(LABELS.get(k)))
              .isCloseTo(expected[k], within(1e-5));
        }
        assertThat(prediction.label()).isEqualTo(LABELS.get(TrainedRuns.argMax(expected)));
      }
      int correct = 0;
      for (TextExample example : testData.examples()) {
        correct += TrainedRuns.argMax(run.probabilities(example)) == example.label() ? 1 : 0;
      }
      assertThat(outcome.test().total()).isEqualTo(testData.size());
      assertThat(outcome.test().accuracy())
          .isCloseTo((double) correct / testData.size(), within(1e-12));
      assertThat(dir.resolve("export").resolve("config.json")).isRegularFile();
    }
  }

  @Test
  void readme_predictionBlock_isTheCodeOfThisTest() throws IOException {
    ReadmeBlocks.assertBlockIsIn(2, THIS_SOURCE);
  }

  /** {@link TrainedRuns#CALIBRATION}, labelled alternately neg and pos. */
  private static TextDataset labelledCalibrationTexts() {
    List<TextExample> examples = new ArrayList<>();
    for (int i = 0; i < TrainedRuns.CALIBRATION.size(); i++) {
      examples.add(TextExample.single(TrainedRuns.CALIBRATION.get(i), i % 2));
    }
    return new TextDataset("calibration", examples, LabelVocabulary.of("neg", "pos"),
        SkipReport.NONE);
  }
}
