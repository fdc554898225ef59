package io.dpft.core.nn;

import io.dpft.core.dp.Clipping;
import java.util.function.IntFunction;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.assertj.core.data.Offset;

/**
 * The slow, obviously-correct reference every norm rule and the engine are checked against: one
 * autograd backward per example (a batch of one), then norms, clipping and summing in plain loops
 * in double precision.
 *
 * @param perExample {@code perExample[i][p]}: the gradient of example i's loss in parameter p
 */
public record PerExampleReference(Tensor[][] perExample) {
  public PerExampleReference {
    if (perExample.length == 0) {
      throw new IllegalArgumentException("a reference needs at least one example");
    }
  }

  /** Differentiates {@code lossOfExample.apply(i)} in {@code params} for every i &lt; batch. */
  public static PerExampleReference of(
      int batch, IntFunction<Tensor> lossOfExample, Tensor... params) {
    Tensor[][] out = new Tensor[batch][];
    for (int i = 0; i < batch; i++) {
      out[i] = grad(lossOfExample.apply(i), params);
    }
    return new PerExampleReference(out);
  }

  /** ∂loss/∂x for each x, in one backward pass (the graph freed). */
  public static Tensor[] grad(Tensor loss, Tensor... xs) {
    TensorVector g =
        torch.grad(
            new TensorVector(loss),
            new TensorVector(xs),
            new TensorVector(),
            new BoolOptional(false),
            false,
            false);
    return g.get();
  }

  public int batch() {
    return perExample.length;
  }

  /** Example i's gradient in parameter p. */
  public Tensor gradient(int i, int p) {
    return perExample[i][p];
  }

  /** ‖∂ℓ_i/∂θ_p‖². */
  public double squaredNorm(int i, int p) {
    return squaredNorm(perExample[i][p]);
  }

  /** ‖∂ℓ_i/∂θ‖ over every parameter. */
  public double norm(int i) {
    double total = 0;
    for (int p = 0; p < perExample[i].length; p++) {
      total += squaredNorm(i, p);
    }
    return Math.sqrt(total);
  }

  /** The clip factor of every example, by {@code clipping} at threshold {@code c}: a B-vector. */
  public Tensor clipFactors(Clipping clipping, double c) {
    float[] factors = new float[batch()];
    for (int i = 0; i < factors.length; i++) {
      factors[i] = (float) clipping.clipFactor(norm(i), c);
    }
    return Tensor.create(factors, factors.length);
  }

  /** Σ_i factors[i]·∂ℓ_i/∂θ_p. */
  public Tensor clippedSum(int p, Tensor factors) {
    Tensor sum = torch.zeros_like(perExample[0][p]);
    for (int i = 0; i < perExample.length; i++) {
      sum = sum.add(perExample[i][p].mul(new Scalar(factors.get(i).item_double())));
    }
    return sum;
  }

  public static double squaredNorm(Tensor t) {
    return t.square().sum().item_double();
  }

  /** The tolerance of a comparison: 1e-5 relative, absolute below 1. */
  public static Offset<Double> relative(double expected) {
    return Offset.offset(1e-5 * Math.max(1.0, Math.abs(expected)));
  }

  /** max |actual − expected| over max(1, max |expected|). */
  public static double maxRelativeDiff(Tensor actual, Tensor expected) {
    double scale = Math.max(1.0, expected.abs().max().item_double());
    return actual.sub(expected).abs().max().item_double() / scale;
  }
}
