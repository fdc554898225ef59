package io.dpft.data.datasets.image;

import io.dpft.data.datasets.MalformedRowException;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import javax.imageio.ImageIO;

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

  /**
   * Decodes an image file with ImageIO (PNG, JPEG, BMP, GIF, WBMP): gray images keep one channel,
   * all others are read as RGB (alpha dropped).
   *
   * @throws MalformedRowException naming the file when ImageIO cannot decode it
   */
  public static RawImage read(Path file) {
    BufferedImage image;
    try {
      image = ImageIO.read(file.toFile());
    } catch (IOException e) {
      throw new MalformedRowException(file.toString(), 0, 0, "cannot decode image: " + e.getMessage());
    }
    if (image == null) {
      throw new MalformedRowException(
          file.toString(), 0, 0, "not an image format ImageIO can read (PNG, JPEG, BMP, GIF, WBMP)");
    }
    boolean gray =
        image.getColorModel().getNumColorComponents() == 1
            && !(image.getColorModel() instanceof IndexColorModel);
    return gray ? grayChannel(image) : fromRgb(image, 3);
  }

  /** The raw gray samples, scaled to 8 bits (getRGB would apply a gamma conversion to linear gray). */
  private static RawImage grayChannel(BufferedImage image) {
    Raster raster = image.getRaster();
    int h = image.getHeight();
    int w = image.getWidth();
    int max = (1 << raster.getSampleModel().getSampleSize(0)) - 1;
    byte[] px = new byte[h * w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        px[y * w + x] = (byte) Math.round(raster.getSample(x, y, 0) * 255.0 / max);
      }
    }
    return new RawImage(px, 1, h, w);
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
