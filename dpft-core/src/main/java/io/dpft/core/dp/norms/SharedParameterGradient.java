package io.dpft.core.dp.norms;

import io.dpft.core.nn.Parameter;
import java.util.List;
import java.util.Optional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The per-sample gradient of a parameter used by several layer calls in one forward pass (GPT-2's
 * LM head tied to the token embedding, a layer applied twice): the sum G = Σ_k G_k of the calls'
 * gradients, so ‖G_i‖² = Σ_k ‖G_{k,i}‖² + 2 Σ_{k<l} ⟨G_{k,i}, G_{l,i}⟩. The cross terms come from
 * {@link OuterProducts} (linear weights, embedding tables), instantiated per-sample gradients, or
 * one of each; the clipped sum is the sum of the calls' clipped sums.
 */
public record SharedParameterGradient(Parameter parameter, List<PerSampleGradient> calls)
    implements PerSampleGradient {
  public SharedParameterGradient {
    calls = List.copyOf(calls);
    if (calls.size() < 2) {
      throw new IllegalArgumentException("a shared parameter has at least two calls, got " + calls.size());
    }
  }

  @Override
  public Tensor squaredNorms(Grams grams) {
    Tensor total = calls.get(0).squaredNorms(grams);
    for (int k = 1; k < calls.size(); k++) {
      total = total.add(calls.get(k).squaredNorms(grams));
    }
    for (int k = 0; k < calls.size(); k++) {
      for (int l = k + 1; l < calls.size(); l++) {
        total = total.add(innerProducts(calls.get(k), calls.get(l)), new Scalar(2.0));
      }
    }
    return total;
  }

  @Override
  public Tensor clippedSum(Tensor clipFactors) {
    Tensor sum = calls.get(0).clippedSum(clipFactors);
    for (int k = 1; k < calls.size(); k++) {
      sum = sum.add(calls.get(k).clippedSum(clipFactors));
    }
    return sum;
  }

  @Override
  public void addClippedSumTo(Tensor accumulator, Tensor clipFactors) {
    calls.forEach(call -> call.addClippedSumTo(accumulator, clipFactors));
  }

  private static Optional<Tensor> instantiated(PerSampleGradient g) {
    return g instanceof PerSampleGradient.Instantiated
        ? Optional.of(((PerSampleGradient.Instantiated) g).perSample())
        : Optional.empty();
  }

  /**
   * ⟨G_{a,i}, G_{b,i}⟩ per sample.
   *
   * @throws IllegalStateException when the two calls' gradients have no common form
   */
  private Tensor innerProducts(PerSampleGradient a, PerSampleGradient b) {
    Optional<OuterProducts> x = a.outerProducts();
    Optional<OuterProducts> y = b.outerProducts();
    if (x.isPresent() && y.isPresent()) {
      return x.get().innerProducts(y.get());
    }
    Optional<Tensor> p = instantiated(a);
    Optional<Tensor> q = instantiated(b);
    if (p.isPresent() && q.isPresent()) {
      return PerSampleMath.rowInnerProducts(p.get(), q.get());
    }
    if (p.isPresent() && y.isPresent()) {
      return y.get().innerProducts(p.get());
    }
    if (x.isPresent() && q.isPresent()) {
      return x.get().innerProducts(q.get());
    }
    throw new IllegalStateException(
        "parameter of shape " + java.util.Arrays.toString(parameter.shape()) + " is used by two"
            + " layer calls whose per-sample gradients cannot be combined ("
            + a.getClass().getSimpleName() + ", " + b.getClass().getSimpleName()
            + "): freeze it or untie it");
  }
}
