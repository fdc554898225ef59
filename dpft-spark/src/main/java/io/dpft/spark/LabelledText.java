package io.dpft.spark;

import java.io.Serializable;

/**
 * One training record on an executor: its index in the training set (what the driver's sampler
 * draws), its text, the second text of a pair (null for single texts) and its label.
 */
public record LabelledText(long id, String text, String textPair, int label)
    implements Serializable {
  public LabelledText {
    if (text == null || label < 0) {
      throw new IllegalArgumentException("record " + id + ": text must be given and label >= 0");
    }
  }
}
