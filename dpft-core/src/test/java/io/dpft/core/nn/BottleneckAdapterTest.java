package io.dpft.core.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class BottleneckAdapterTest {

  @Test
  void freshAdapter_isTheIdentity() {
    try (PointerScope scope = new PointerScope();
        BottleneckAdapter adapter = new BottleneckAdapter(8, 3)) {
      Tensor x = torch.randn(2, 5, 8);
      assertThat(adapter.forward(x).sub(x).abs().max().item_double()).isZero();
      assertThat(adapter.parameters().keySet())
          .containsExactly("down.weight", "down.bias", "up.weight", "up.bias");
    }
  }

  /** Forward and one backward (the non-private step's gradients) against torch ops on the same tensors. */
  @Test
  void forwardAndGradients_matchPlainAutogradOfTheFormula() {
    torch.manual_seed(5);
    try (PointerScope scope = new PointerScope();
        BottleneckAdapter adapter = new BottleneckAdapter(8, 3)) {
      Map<String, Parameter> p = adapter.parameters();
      p.get("up.weight").tensor().detach().copy_(torch.randn(8, 3));
      p.get("up.bias").tensor().detach().copy_(torch.randn(8));
      Tensor x = torch.randn(2, 5, 8);
      Tensor target = torch.randn(2, 5, 8);
      Tensor[] params = p.values().stream().map(Parameter::tensor).toArray(Tensor[]::new);

      Tensor actual = adapter.forward(x);
      Tensor[] got = grad(actual.mul(target).sum(), params);

      Tensor hidden = torch.relu(x.matmul(params[0].t()).add(params[1]));
      Tensor expected = x.add(hidden.matmul(params[2].t()).add(params[3]));
      Tensor[] want = grad(expected.mul(target).sum(), params);

      assertThat(actual.sub(expected).abs().max().item_double()).isLessThan(1e-5);
      for (int k = 0; k < params.length; k++) {
        double scale = Math.max(1, want[k].abs().max().item_double());
        assertThat(got[k].sub(want[k]).abs().max().item_double() / scale).isLessThan(1e-5);
        assertThat(want[k].abs().max().item_double()).isGreaterThan(0);
      }
    }
  }

  private static Tensor[] grad(Tensor loss, Tensor... xs) {
    return torch.grad(new TensorVector(loss), new TensorVector(xs), new TensorVector(),
        new BoolOptional(false), false, false).get();
  }
}
