package io.dpft.core.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.dp.Clipping;
import io.dpft.core.models.ReferenceCheckpoints;
import io.dpft.core.nn.Precision;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.MetricsLog;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.RunOutput;
import io.dpft.core.train.TrainingConfig;
import io.dpft.core.train.TrainingListener;
import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.data.datasets.image.ImageDataset;
import io.dpft.data.datasets.image.ImageTransform;
import io.dpft.data.datasets.image.RawImage;
import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.RdpAccountant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ImageClassificationJob} end to end on the tiny reference ViT ({@code vit-tiny}, 16 px,
 * 3 channels, 5 pretrained labels) with generated gray 20×20 images of two classes told apart by
 * which half holds a bright bar: so every image is resized and its one channel replicated, and the
 * classifier is fresh (2 labels, not the checkpoint's 5).
 */
class ImageClassificationJobTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SIDE = 20;
  private static final LabelVocabulary LABELS = LabelVocabulary.of("left", "right");

  /** {@code n} images, alternately "left" and "right": noise in 0..63, the bar at 200..255. */
  static ImageDataset images(String source, int n, long seed) {
    Random random = new Random(seed);
    List<RawImage> images = new ArrayList<>();
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 2;
      byte[] pixels = new byte[SIDE * SIDE];
      int barStart = labels[i] == 0 ? 2 : SIDE / 2 + 2;
      for (int y = 0; y < SIDE; y++) {
        for (int x = 0; x < SIDE; x++) {
          boolean bar = x >= barStart && x < barStart + 6;
          pixels[y * SIDE + x] = (byte) (bar ? 200 + random.nextInt(56) : random.nextInt(64));
        }
      }
      images.add(new RawImage(pixels, 1, SIDE, SIDE));
    }
    return new ImageDataset(source, images, labels, LABELS, SkipReport.NONE,
        ImageTransform.scaleOnly(SIDE, 1));
  }

  private static ImageClassificationJob.Spec spec() {
    return new ImageClassificationJob.Spec("vit-tiny",
        ReferenceCheckpoints.directory(ReferenceCheckpoints.VIT), "bars",
        new DatasetSplits<>(images("train", 32, 1), images("validation", 16, 2),
            images("test", 16, 3)));
  }

  private static FineTuningRun.Settings settings(PrivacyTarget privacy, double epochs) {
    return new FineTuningRun.Settings(new FineTuningMethod.Full(), epochs, 8, 8,
        OptimizerConfig.Adam.defaults(), 3e-3, 0.1, privacy, TrainingConfig.Sampling.POISSON,
        OptionalLong.of(17), RunOutput.defaults(), Precision.FP32);
  }

  private static FineTuningRun.Result run(Path dir, PrivacyTarget privacy, double epochs)
      throws IOException {
    torch.manual_seed(3); // the fresh classifier's initialisation
    return ImageClassificationJob.run(spec(), settings(privacy, epochs), dir, false,
        new TrainingListener() {});
  }

  private static List<JsonNode> lines(Path dir, String type) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve(MetricsLog.FILE))) {
      JsonNode node = JSON.readTree(line);
      if (node.path("type").asText().equals(type)) {
        out.add(node);
      }
    }
    return out;
  }

  @Test
  void nonPrivate_learnsTheBarsAndWritesTheRun(@TempDir Path dir) throws IOException {
    FineTuningRun.Result result = run(dir, new PrivacyTarget.None(), 6);

    assertThat(result.completed()).isTrue();
    assertThat(result.zeroTraining().get(ImageClassificationJob.ACCURACY)).isLessThan(0.8);
    assertThat(result.validation().get(ImageClassificationJob.ACCURACY)).isGreaterThanOrEqualTo(0.95);
    assertThat(result.test().get(ImageClassificationJob.ACCURACY)).isGreaterThanOrEqualTo(0.95);
    // two classes: the gold one is always among the top five
    assertThat(result.test().get(ImageClassificationJob.TOP_5_ACCURACY)).isEqualTo(1.0);
    assertThat(result.test()).containsKey(ImageClassificationJob.MACRO_F1);
    RunManifest manifest = RunManifest.read(dir);
    assertThat(manifest.task()).isEqualTo("image-classification");
    assertThat(manifest.labels()).containsExactly("left", "right");
    assertThat(manifest.dataset()).isEqualTo("bars");
    assertThat(manifest.datasetSizes()).containsEntry("train", 32).containsEntry("test", 16);
    assertThat(manifest.privacy().dp()).isFalse();
    assertThat(lines(dir, "eval")).extracting(n -> n.path("split").asText())
        .containsExactly("validation", "validation", "validation", "validation", "validation",
            "validation", "validation", "test");
    assertThat(dir.resolve(RunManifest.CHECKPOINT)).isDirectory();
  }

  @Test
  void fixedNoise_recordsSigmaInManifestAndEpsilonPerStep(@TempDir Path dir) throws IOException {
    double sigma = 1.2;
    FineTuningRun.Result result = run(dir,
        new PrivacyTarget.FixedNoise(sigma, 1e-3, 1.0, new Clipping.Abadi(), AccountantKind.RDP),
        1);

    RunManifest.PrivacySettings privacy = RunManifest.read(dir).privacy();
    assertThat(privacy.dp()).isTrue();
    assertThat(privacy.noiseMultiplier()).isEqualTo(sigma);
    assertThat(privacy.delta()).isEqualTo(1e-3);
    assertThat(privacy.sampleRate()).isEqualTo(8.0 / 32);
    List<JsonNode> steps = lines(dir, "train");
    assertThat(steps).hasSize(4);
    for (int k = 1; k <= steps.size(); k++) {
      double epsilon = new RdpAccountant()
          .epsilon(List.of(new MechanismSegment(sigma, 8.0 / 32, k)), 1e-3).epsilon();
      assertThat(steps.get(k - 1).path("epsilon").asDouble()).isCloseTo(epsilon, within(1e-9));
    }
    assertThat(result.epsilon()).isCloseTo(steps.get(3).path("epsilon").asDouble(), within(1e-12));
  }

  @Test
  void validationWithUnknownLabel_throwsNamingIt(@TempDir Path dir) {
    ImageDataset odd = new ImageDataset("odd", List.of(new RawImage(new byte[1], 1, 1, 1)),
        new int[] {0}, LabelVocabulary.of("middle"), SkipReport.NONE,
        ImageTransform.scaleOnly(1, 1));
    ImageClassificationJob.Spec spec = new ImageClassificationJob.Spec("vit-tiny",
        ReferenceCheckpoints.directory(ReferenceCheckpoints.VIT), "bars",
        new DatasetSplits<>(images("train", 8, 1), odd, images("test", 4, 3)));
    assertThatThrownBy(() -> ImageClassificationJob.run(spec, settings(new PrivacyTarget.None(), 1),
            dir, false, new TrainingListener() {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("odd has labels [middle]");
  }
}
