package io.dpft.core.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.models.ReferenceCheckpoints;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.runs.TrainedImageClassifier;
import io.dpft.core.runs.TrainedModel;
import io.dpft.core.train.RunManifest;
import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.data.datasets.image.ImageDataset;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ImageClassifierTraining} on the tiny reference ViT with the bar images of {@link
 * ImageClassificationJobTest}: 32 training images of two classes.
 */
class ImageClassifierTrainingTest {
  private static final Path VIT = ReferenceCheckpoints.directory(ReferenceCheckpoints.VIT);
  private static final DatasetSplits<ImageDataset> BARS = new DatasetSplits<>(
      ImageClassificationJobTest.images("train", 32, 1),
      ImageClassificationJobTest.images("validation", 16, 2),
      ImageClassificationJobTest.images("test", 16, 3));

  @Test
  void privateRun_spendsWithinItsTarget_writesItsSettings_andLoadsBack(@TempDir Path dir)
      throws IOException {
    Path run = dir.resolve("run");
    TrainingBuilder<?, ?> builder = ImageClassifierTraining.builder(VIT, BARS, run)
        .datasetName("bars")
        .method(new FineTuningMethod.Full())
        .privacy(PrivacyTarget.targetEpsilon(4))
        .epochs(2)
        .logicalBatchSize(8)
        .physicalBatchSize(8)
        .optimizer(OptimizerConfig.Adam.defaults(), 3e-3)
        .seed(17);

    // q = 8/32, T = ⌊2 / q⌋ = 8
    FineTuningRun.Result result = BuiltRuns.runWithinTarget(builder, run, 32, 0.25, 8, 4);
    RunManifest manifest = RunManifest.read(run);
    assertThat(manifest.task()).isEqualTo("image-classification");
    assertThat(manifest.model()).isEqualTo(VIT.toString());
    assertThat(manifest.dataset()).isEqualTo("bars");
    assertThat(manifest.labels()).containsExactly("left", "right");
    assertThat(manifest.method()).isEqualTo("full");
    assertThat(manifest.epochs()).isEqualTo(2);
    assertThat(manifest.logicalBatchSize()).isEqualTo(8);
    assertThat(manifest.learningRate()).isEqualTo(3e-3);
    assertThat(manifest.optimization().derivedFromData()).isEmpty();
    try (TrainedModel trained = TrainedModel.load(run)) {
      assertThat(trained).isInstanceOf(TrainedImageClassifier.class);
      TrainedImageClassifier classifier = (TrainedImageClassifier) trained;
      assertThat(classifier.labels().names()).containsExactly("left", "right");
      // the loaded model scores the test split as the run did at its end
      assertThat(classifier.evaluate(BARS.test()).accuracy())
          .isEqualTo(result.test().get(ImageClassificationJob.ACCURACY));
    }
  }

  @Test
  void unsetBatchSizeEpochsAndLearningRate_comeFromTheRecipe(@TempDir Path dir)
      throws IOException {
    Training training = ImageClassifierTraining.builder(VIT, BARS, dir.resolve("run"))
        .privacy(new PrivacyTarget.None())
        .seed(5)
        .build();
    assertThat(training.settings().logicalBatchSize()).isZero();
    assertThat(training.settings().epochs()).isZero();
    assertThat(training.settings().learningRate()).isZero();

    FineTuningRun.Result result = training.run();

    // the recipe without DP: B = min(128, N/4) = 8, 3 epochs, BiTFiT's 5e-3; T = 3 / (8/32)
    RunManifest manifest = RunManifest.read(dir.resolve("run"));
    assertThat(manifest.logicalBatchSize()).isEqualTo(8);
    assertThat(manifest.epochs()).isEqualTo(3);
    assertThat(manifest.learningRate()).isEqualTo(5e-3);
    assertThat(manifest.method()).isEqualTo("bitfit");
    assertThat(manifest.optimization().derivedFromData())
        .containsExactlyInAnyOrder("logical_batch_size", "epochs", "learning_rate");
    assertThat(result.steps()).isEqualTo(12);
  }

  @Test
  void build_negativeBatchSize_isRefusedBeforeAnythingIsWritten(@TempDir Path dir) {
    BuiltRuns.assertRefusedAtBuild(
        ImageClassifierTraining.builder(VIT, BARS, dir.resolve("run")).logicalBatchSize(-8),
        dir.resolve("run"), "logicalBatchSize must be >= 0 (0: taken from the recipe), got -8.0");
  }

  @Test
  void build_modelThatIsNoDirectory_isRefusedNamingIt(@TempDir Path dir) {
    Path missing = dir.resolve("no-vit");
    ImageClassifierTraining.Builder builder =
        ImageClassifierTraining.builder(missing, BARS, dir.resolve("run"));

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing.toString());
  }

  @Test
  void resume_ofADirectoryWithoutARun_isRefused(@TempDir Path dir) throws IOException {
    Training training =
        ImageClassifierTraining.builder(VIT, BARS, dir.resolve("run")).resume().build();

    assertThatThrownBy(training::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot resume");
  }
}
