package io.dpft.spark;

import java.io.Serializable;

/** One training record on an executor: its stable id (what sampling hashes), text and label. */
public record LabelledText(long id, String text, int label) implements Serializable {
  public LabelledText {
    if (text == null || label < 0) {
      throw new IllegalArgumentException("record " + id + ": text must be given and label >= 0");
    }
  }
}
