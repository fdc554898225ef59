package io.dpft.spark;

import java.io.Serializable;

/**
 * What an executor returns for one step: the clipped per-sample gradient sums of its records in
 * the logical batch (one flat array per trainable parameter, in the engine's order), their summed
 * loss and their number, and how long its slowest task computed (so that the driver can tell the
 * step's distribution overhead from its computation). Shares add up to the logical batch's share;
 * nothing else leaves a task.
 */
public record GradientShare(float[][] sums, double lossSum, long examples, double slowestTaskMillis)
    implements Serializable {
  public GradientShare {
    if (sums == null || examples < 0 || !(slowestTaskMillis >= 0)) {
      throw new IllegalArgumentException("sums must be given, examples and time >= 0, got "
          + examples + ", " + slowestTaskMillis);
    }
  }

  /**
   * This share plus {@code other}: element-wise sums, summed losses and counts, the slower task's
   * time ({@code other} must have the same sizes).
   */
  public GradientShare plus(GradientShare other) {
    if (other.sums.length != sums.length) {
      throw new IllegalArgumentException(
          "shares of " + sums.length + " and " + other.sums.length + " parameters");
    }
    float[][] out = new float[sums.length][];
    for (int i = 0; i < sums.length; i++) {
      if (other.sums[i].length != sums[i].length) {
        throw new IllegalArgumentException("parameter " + i + " has two sizes");
      }
      out[i] = sums[i].clone();
      for (int j = 0; j < out[i].length; j++) {
        out[i][j] += other.sums[i][j];
      }
    }
    return new GradientShare(out, lossSum + other.lossSum, examples + other.examples,
        Math.max(slowestTaskMillis, other.slowestTaskMillis));
  }

  /** The number of bytes of gradient values this share carries. */
  public long bytes() {
    long n = 0;
    for (float[] s : sums) {
      n += 4L * s.length;
    }
    return n;
  }
}
