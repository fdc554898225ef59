package io.dpft.data.batching;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.image.ImageDataset;
import io.dpft.data.datasets.image.ImageTransform;
import io.dpft.data.datasets.image.RawImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageCollatorTest {
  @Test
  void collate_packsTransformedImagesInOrder() {
    List<RawImage> images = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      byte[] px = new byte[4];
      Arrays.fill(px, (byte) (i * 50));
      images.add(new RawImage(px, 1, 2, 2));
    }
    ImageDataset data =
        new ImageDataset(
            "test", images, new int[] {0, 1, 0, 1, 1}, LabelVocabulary.of("a", "b"), SkipReport.NONE,
            ImageTransform.scaleOnly(2, 3));
    List<ImageBatch> batches = new ImageCollator(data, 2).collate(new int[] {4, 0, 3});
    assertThat(batches).extracting(ImageBatch::batchSize).containsExactly(2, 1);
    ImageBatch first = batches.get(0);
    assertThat(first.indices()).containsExactly(4, 0);
    assertThat(first.labels()).containsExactly(1, 0);
    assertThat(first.channels()).isEqualTo(3);
    assertThat(first.pixels()).hasSize(2 * 3 * 2 * 2);
    assertThat(first.pixels()[0]).isEqualTo(200 / 255f);
    assertThat(first.pixels()[12]).isEqualTo(0f);
    assertThat(new ImageCollator(data, 2).collate(new int[0])).isEmpty();
  }
}
