package io.dpft.core.io;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Tensor;

/** Tensor contents as Java arrays, for assertions. */
public final class TestTensors {
  private TestTensors() {}

  /** The values of a float32 tensor in row-major order. */
  public static float[] floats(Tensor t) {
    try (Tensor c = t.contiguous(); FloatPointer p = new FloatPointer(c.data_ptr())) {
      float[] out = new float[Math.toIntExact(c.numel())];
      p.get(out);
      return out;
    }
  }
}
