package io.dpft.data.datasets.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dpft.data.datasets.image.ImageDataset;
import io.dpft.data.datasets.image.ImageTransform;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads the Debian package {@code dataset-fashion-mnist} when it is installed (skipped otherwise;
 * the system property {@code dpft.fashionMnistDir} points elsewhere). Expected values: the
 * published sizes and per-class counts (Xiao et al., 2017: 60,000/10,000, 6,000/1,000 per
 * class), and the first test labels and first test image's pixel sum read independently with
 * Python's gzip module.
 */
class FashionMnistDatasetTest {
  private static final Path DIR =
      Path.of(System.getProperty("dpft.fashionMnistDir", FashionMnistDataset.DEBIAN_DIR));

  @Test
  void testSet_sizesLabelsAndPixels() {
    assumeTrue(FashionMnistDataset.isInstalled(DIR), "dataset-fashion-mnist is not installed");
    ImageDataset test = FashionMnistDataset.test(DIR, ImageTransform.scaleOnly(28, 1));
    assertThat(test.size()).isEqualTo(10_000);
    assertThat(test.labelCounts()).containsOnly(1_000);
    int[] firstLabels = new int[10];
    for (int i = 0; i < 10; i++) {
      firstLabels[i] = test.label(i);
    }
    assertThat(firstLabels).containsExactly(9, 2, 1, 1, 6, 1, 4, 6, 5, 7);
    long sum = 0;
    for (byte b : test.raw(0).pixels()) {
      sum += b & 0xFF;
    }
    assertThat(sum).isEqualTo(33_456);
  }

  @Test
  void trainSet_sizesAndLabelCounts() {
    assumeTrue(FashionMnistDataset.isInstalled(DIR), "dataset-fashion-mnist is not installed");
    ImageDataset train = FashionMnistDataset.train(DIR, ImageTransform.scaleOnly(28, 1));
    assertThat(train.size()).isEqualTo(60_000);
    assertThat(train.labelCounts()).containsOnly(6_000);
    assertThat(train.labels().name(9)).isEqualTo("Ankle boot");
  }

  @Test
  void validation_isTheValidationPartOfTheSplits() {
    assumeTrue(FashionMnistDataset.isInstalled(Path.of(FashionMnistDataset.DEBIAN_DIR)),
        "dataset-fashion-mnist is not installed");
    ImageTransform transform = ImageTransform.scaleOnly(28, 1);
    ImageDataset alone = FashionMnistDataset.validation(transform);
    ImageDataset ofSplits = FashionMnistDataset.splits(transform).validation();
    assertThat(alone.source()).isEqualTo(ofSplits.source());
    assertThat(alone.size()).isEqualTo(ofSplits.size()).isBetween(5_000, 7_000);
    for (int i = 0; i < alone.size(); i++) {
      assertThat(alone.label(i)).isEqualTo(ofSplits.label(i));
      assertThat(alone.raw(i).pixels()).isEqualTo(ofSplits.raw(i).pixels());
    }
  }

  @Test
  void notInstalled_messageGivesAptCommand(@TempDir Path empty) {
    assertThatThrownBy(() -> FashionMnistDataset.test(empty, ImageTransform.scaleOnly(28, 1)))
        .isInstanceOf(DatasetUnavailableException.class)
        .hasMessageContaining("apt-get install dataset-fashion-mnist");
  }
}
