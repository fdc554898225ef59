package io.dpft.core.io;

import java.util.Arrays;
import org.bytedeco.pytorch.LongArrayRef;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Tensor;

/** Tensor shapes as Java arrays, for header entries and error messages. */
final class Shapes {
  private Shapes() {}

  /** The sizes of {@code tensor}, e.g. {@code [384, 1536]}. */
  static long[] of(Tensor tensor) {
    try (LongArrayRef sizes = tensor.sizes(); LongVector vector = sizes.vec()) {
      return vector.get();
    }
  }

  static String toString(long[] shape) {
    return Arrays.toString(shape);
  }
}
