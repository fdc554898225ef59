package io.dpft.data.datasets.builtin;

import java.util.Objects;

/** The fixed train, validation and test parts of a dataset. */
public record DatasetSplits<D>(D train, D validation, D test) {
  public DatasetSplits {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(validation, "validation");
    Objects.requireNonNull(test, "test");
  }
}
