package io.dpft.data.datasets;

import java.util.Objects;

/**
 * One image ready for a model: pixels as float[] in CHW order (channel, row, column), already
 * resized and normalised, and the index of its label in the dataset's {@link LabelVocabulary}.
 */
public record ImageExample(float[] pixels, int label) {
  public ImageExample {
    Objects.requireNonNull(pixels, "pixels");
    if (label < 0) {
      throw new IllegalArgumentException("label must be a vocabulary index >= 0, got " + label);
    }
  }
}
