package io.dpft.core.nn;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Test fixtures: Java arrays to and from tensors, random data, comparisons. */
public final class TestTensors {
  private TestTensors() {}

  /** A float tensor holding {@code data} (row-major) in {@code shape}. */
  public static Tensor floats(float[] data, long... shape) {
    return Tensor.create(data, shape);
  }

  /** An int64 tensor holding {@code data} (row-major) in {@code shape}. */
  public static Tensor longs(long[] data, long... shape) {
    return Tensor.create(data, shape);
  }

  /** Every parameter of {@code model} as float32 values, by name: a snapshot to compare. */
  public static Map<String, float[]> parameterValues(Module model) {
    Map<String, float[]> out = new LinkedHashMap<>();
    model.namedParameters().forEach((name, t) -> out.put(name, values(t)));
    return out;
  }

  /** The entries of {@code t} as float32, row-major. */
  public static float[] values(Tensor t) {
    Tensor c = t.detach().to(torch.ScalarType.Float).contiguous();
    float[] out = new float[(int) c.numel()];
    ((FloatBuffer) c.createBuffer()).get(out);
    return out;
  }

  /** The entries of an integer tensor as int64, row-major. */
  public static long[] longValues(Tensor t) {
    Tensor c = t.detach().to(torch.ScalarType.Long).contiguous();
    long[] out = new long[(int) c.numel()];
    ((LongBuffer) c.createBuffer()).get(out);
    return out;
  }

  /** {@code n} standard normal floats from {@code random}. */
  public static float[] gaussian(Random random, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) random.nextGaussian();
    }
    return out;
  }

  /** max |a − b| over entries. */
  public static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  /** max |a − b| divided by max |b| (a relative error that ignores tiny entries). */
  public static double relativeDiff(float[] a, float[] b) {
    double scale = 0;
    for (float v : b) {
      scale = Math.max(scale, Math.abs(v));
    }
    return maxAbsDiff(a, b) / Math.max(scale, 1e-30);
  }

  public static double maxAbsDiff(Tensor a, Tensor b) {
    return maxAbsDiff(values(a), values(b));
  }

  public static double relativeDiff(Tensor a, Tensor b) {
    return relativeDiff(values(a), values(b));
  }
}
