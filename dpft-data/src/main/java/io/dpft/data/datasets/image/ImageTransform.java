package io.dpft.data.datasets.image;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * Turns an 8-bit CHW image into a model input: channel conversion, bilinear resize to {@code
 * imageSize × imageSize}, scaling to [0, 1] and per-channel normalisation {@code (x − mean[c]) /
 * std[c]}, as a float[] in CHW order.
 *
 * <p>Resizing uses Java2D's bilinear interpolation, which samples at pixel centres and clamps at
 * the edges: the same as {@code torch.nn.functional.interpolate(mode="bilinear",
 * align_corners=False)} without antialiasing, rounded to 8 bits. One channel becomes three by
 * copying; three become one by ITU-R BT.601 luma {@code 0.299 R + 0.587 G + 0.114 B}.
 *
 * @param imageSize the model's square input side ({@code image_size} in a Hugging Face config)
 * @param channels the model's input channels, 1 or 3
 * @param mean per-channel mean subtracted after scaling to [0, 1]
 * @param std per-channel standard deviation divided by, each &gt; 0
 */
public record ImageTransform(int imageSize, int channels, float[] mean, float[] std) {
  public ImageTransform {
    if (imageSize < 1) {
      throw new IllegalArgumentException("imageSize must be >= 1, got " + imageSize);
    }
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
    }
    mean = mean.clone();
    std = std.clone();
    if (mean.length != channels || std.length != channels) {
      throw new IllegalArgumentException(
          "mean and std need one value per channel ("
              + channels
              + "), got mean "
              + Arrays.toString(mean)
              + " and std "
              + Arrays.toString(std));
    }
    for (float s : std) {
      if (!(s > 0) || !Float.isFinite(s)) {
        throw new IllegalArgumentException("std must be finite and > 0, got " + Arrays.toString(std));
      }
    }
  }

  /** Resize and scale to [0, 1] only (mean 0, std 1). */
  public static ImageTransform scaleOnly(int imageSize, int channels) {
    float[] zeros = new float[channels];
    float[] ones = new float[channels];
    Arrays.fill(ones, 1f);
    return new ImageTransform(imageSize, channels, zeros, ones);
  }

  /** The same mean and std for every channel, e.g. ViT's 0.5 / 0.5. */
  public static ImageTransform uniform(int imageSize, int channels, float mean, float std) {
    float[] m = new float[channels];
    float[] s = new float[channels];
    Arrays.fill(m, mean);
    Arrays.fill(s, std);
    return new ImageTransform(imageSize, channels, m, s);
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  /** Length of the output: channels × imageSize × imageSize. */
  public int outputLength() {
    return channels * imageSize * imageSize;
  }

  /** Applies the transform to {@code image}. */
  public float[] apply(RawImage image) {
    RawImage sized =
        image.height() == imageSize && image.width() == imageSize ? image : resize(image);
    byte[] pixels = convertChannels(sized);
    int plane = imageSize * imageSize;
    float[] out = new float[channels * plane];
    for (int c = 0; c < channels; c++) {
      for (int p = 0; p < plane; p++) {
        float x = (pixels[c * plane + p] & 0xFF) / 255f;
        out[c * plane + p] = (x - mean[c]) / std[c];
      }
    }
    return out;
  }

  private RawImage resize(RawImage image) {
    int h = image.height();
    int w = image.width();
    int plane = h * w;
    boolean gray = image.channels() == 1;
    BufferedImage source = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    byte[] px = image.pixels();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        int r = px[i] & 0xFF;
        int g = gray ? r : px[plane + i] & 0xFF;
        int b = gray ? r : px[2 * plane + i] & 0xFF;
        source.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    BufferedImage target = new BufferedImage(imageSize, imageSize, BufferedImage.TYPE_INT_RGB);
    Graphics2D graphics = target.createGraphics();
    try {
      graphics.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      graphics.drawImage(source, 0, 0, imageSize, imageSize, null);
    } finally {
      graphics.dispose();
    }
    return RawImage.fromRgb(target, image.channels());
  }

  private byte[] convertChannels(RawImage image) {
    byte[] px = image.pixels();
    if (image.channels() == channels) {
      return px;
    }
    int plane = imageSize * imageSize;
    byte[] out = new byte[channels * plane];
    if (channels == 3) {
      for (int c = 0; c < 3; c++) {
        System.arraycopy(px, 0, out, c * plane, plane);
      }
    } else {
      for (int p = 0; p < plane; p++) {
        double luma =
            0.299 * (px[p] & 0xFF) + 0.587 * (px[plane + p] & 0xFF) + 0.114 * (px[2 * plane + p] & 0xFF);
        out[p] = (byte) Math.round(luma);
      }
    }
    return out;
  }
}
