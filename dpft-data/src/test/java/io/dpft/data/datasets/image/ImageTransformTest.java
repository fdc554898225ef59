package io.dpft.data.datasets.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ImageTransformTest {
  /**
   * Resizing rounds to 8 bits and Java2D quantises its interpolation weights: within 1.5 levels
   * (a wrong sampling grid, e.g. align_corners=True, is off by tens of levels).
   */
  private static final double TOLERANCE = 1.5 / 255;

  @Test
  void apply_sameSize_scalesAndNormalisesPerChannel() {
    RawImage image = new RawImage(new byte[] {0, 51, 102, (byte) 255}, 1, 2, 2);
    float[] out = ImageTransform.uniform(2, 1, 0.5f, 0.5f).apply(image);
    assertThat(out).containsExactly(new float[] {-1f, -0.6f, -0.2f, 1f}, within(1e-6f));
  }

  @Test
  void apply_resize_matchesHalfPixelBilinearReference() {
    Random random = new Random(7);
    int h = 5;
    int w = 7;
    byte[] px = new byte[3 * h * w];
    random.nextBytes(px);
    RawImage image = new RawImage(px, 3, h, w);
    for (int size : new int[] {4, 9, 1}) {
      float[] out = ImageTransform.scaleOnly(size, 3).apply(image);
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < size; y++) {
          for (int x = 0; x < size; x++) {
            double expected = bilinear(px, c, h, w, (y + 0.5) * h / size - 0.5, (x + 0.5) * w / size - 0.5) / 255;
            assertThat(out[(c * size + y) * size + x])
                .as("size %d channel %d at (%d,%d)", size, c, y, x)
                .isCloseTo((float) expected, within((float) TOLERANCE));
          }
        }
      }
    }
  }

  /**
   * Independent reference: bilinear sampling at source coordinates (sy, sx) with pixel centres at
   * integer + 0.5 and clamping at the edges (torch interpolate, align_corners=False).
   */
  private static double bilinear(byte[] px, int c, int h, int w, double sy, double sx) {
    sy = Math.max(0, Math.min(h - 1, sy));
    sx = Math.max(0, Math.min(w - 1, sx));
    int y0 = (int) Math.floor(sy);
    int x0 = (int) Math.floor(sx);
    int y1 = Math.min(h - 1, y0 + 1);
    int x1 = Math.min(w - 1, x0 + 1);
    double fy = sy - y0;
    double fx = sx - x0;
    double top = (1 - fx) * at(px, c, h, w, y0, x0) + fx * at(px, c, h, w, y0, x1);
    double bottom = (1 - fx) * at(px, c, h, w, y1, x0) + fx * at(px, c, h, w, y1, x1);
    return (1 - fy) * top + fy * bottom;
  }

  private static int at(byte[] px, int c, int h, int w, int y, int x) {
    return px[(c * h + y) * w + x] & 0xFF;
  }

  @Test
  void apply_grayToRgb_copiesChannel() {
    RawImage gray = new RawImage(new byte[] {10, 20, 30, 40}, 1, 2, 2);
    float[] out = ImageTransform.scaleOnly(2, 3).apply(gray);
    for (int c = 0; c < 3; c++) {
      assertThat(out[c * 4 + 3]).isCloseTo(40 / 255f, within(1e-6f));
    }
  }

  @Test
  void apply_rgbToGray_usesBt601Luma() {
    RawImage red = new RawImage(new byte[] {(byte) 200, 0, 100}, 3, 1, 1);
    float[] out = ImageTransform.scaleOnly(1, 1).apply(red);
    assertThat(out[0]).isCloseTo(Math.round(0.299 * 200 + 0.587 * 0 + 0.114 * 100) / 255f, within(1e-6f));
  }

  @Test
  void constructor_badArguments_throwNamingThem() {
    assertThatThrownBy(() -> ImageTransform.scaleOnly(0, 3))
        .hasMessageContaining("imageSize must be >= 1, got 0");
    assertThatThrownBy(() -> ImageTransform.scaleOnly(8, 2))
        .hasMessageContaining("channels must be 1 or 3, got 2");
    assertThatThrownBy(() -> new ImageTransform(8, 1, new float[] {0}, new float[] {0}))
        .hasMessageContaining("std must be finite and > 0");
    assertThatThrownBy(() -> new ImageTransform(8, 3, new float[] {0}, new float[] {1}))
        .hasMessageContaining("one value per channel (3)");
  }
}
