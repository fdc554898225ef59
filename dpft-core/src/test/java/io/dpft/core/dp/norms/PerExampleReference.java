package io.dpft.core.dp.norms;

import java.util.function.IntFunction;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.assertj.core.data.Offset;

/**
 * The slow, obviously-correct reference every norm rule is checked against: one autograd
 * backward per example (a batch of one), then clipping and summing in plain loops.
 */
final class PerExampleReference {
  private PerExampleReference() {}

  /** {@code result[i][p]}: the gradient of example i's loss with respect to parameter p. */
  static Tensor[][] gradients(int batch, IntFunction<Tensor> lossOfExample, Tensor... params) {
    Tensor[][] out = new Tensor[batch][];
    for (int i = 0; i < batch; i++) {
      out[i] = grad(lossOfExample.apply(i), params);
    }
    return out;
  }

  /** ∂loss/∂x for each x, in one backward pass. */
  static Tensor[] grad(Tensor loss, Tensor... xs) {
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

  static double squaredNorm(Tensor t) {
    return t.square().sum().item_double();
  }

  /** Σ_i factors[i]·perExample[i][param]. */
  static Tensor clippedSum(Tensor[][] perExample, int param, Tensor factors) {
    Tensor sum = torch.zeros_like(perExample[0][param]);
    for (int i = 0; i < perExample.length; i++) {
      sum = sum.add(perExample[i][param].mul(new Scalar(factors.get(i).item_double())));
    }
    return sum;
  }

  static Offset<Double> relative(double expected) {
    return Offset.offset(1e-5 * Math.max(1.0, Math.abs(expected)));
  }

  static double maxRelativeDiff(Tensor actual, Tensor expected) {
    double scale = Math.max(1.0, expected.abs().max().item_double());
    return actual.sub(expected).abs().max().item_double() / scale;
  }
}
