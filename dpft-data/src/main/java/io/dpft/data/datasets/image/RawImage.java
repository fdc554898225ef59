package io.dpft.data.datasets.image;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * An 8-bit image as stored by a dataset: bytes in CHW order (all of channel 0 row by row, then
 * channel 1, ...), 1 (gray) or 3 (RGB) channels.
 */
public record RawImage(byte[] pixels, int channels, int height, int width) {
  public RawImage {
    Objects.requireNonNull(pixels, "pixels");
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
    }
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "height and width must be >= 1, got " + height + "x" + width);
    }
    if (pixels.length != channels * height * width) {
      throw new IllegalArgumentException(
          "pixels must hold channels*height*width = "
              + channels * height * width
              + " bytes, got "
              + pixels.length);
    }
  }

  /** The channels of an RGB {@link BufferedImage}: all three, or the red one when {@code channels == 1}. */
  static RawImage fromRgb(BufferedImage image, int channels) {
    int h = image.getHeight();
    int w = image.getWidth();
    int plane = h * w;
    byte[] px = new byte[channels * plane];
    int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
    for (int i = 0; i < plane; i++) {
      px[i] = (byte) (rgb[i] >> 16);
      if (channels == 3) {
        px[plane + i] = (byte) (rgb[i] >> 8);
        px[2 * plane + i] = (byte) rgb[i];
      }
    }
    return new RawImage(px, channels, h, w);
  }
}
