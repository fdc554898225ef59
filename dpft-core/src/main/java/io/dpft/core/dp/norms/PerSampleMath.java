package io.dpft.core.dp.norms;

import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Tape;
import io.dpft.core.nn.WeightLayout;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The tensor algebra that several norm rules share: reductions of per-sample tensors, and the
 * per-sample gradients of a linear map z = a·Wᵀ applied at every position, with a (B, T, d_in)
 * and the output gradient g = ∂L/∂z (B, T, d_out) (or (B, d) without positions), which
 * {@link LinearNormRule} and {@link Conv2dNormRule} (on unfolded patches) both are. All results
 * are new tensors owned by the caller's scope.
 */
public final class PerSampleMath {
  private PerSampleMath() {}

  /**
   * Squared L2 norm of each row of a (B, …) tensor: a B-vector, in one pass over the rows (no
   * squared copy: per-sample weight gradients are large).
   */
  public static Tensor squaredRowNorms(Tensor perSample) {
    return torch.linalg_vector_norm(perSample.reshape(perSample.size(0), -1), new Scalar(2),
            new long[] {1}, false, new ScalarTypeOptional())
        .square();
  }

  /** Clipped sum Σ_i c_i·x_i of per-sample gradients x (B, …): shape of one sample. */
  public static Tensor clippedSum(Tensor perSample, Tensor clipFactors) {
    long[] shape = perSample.shape();
    Tensor flat = clipFactors.reshape(1, -1).mm(perSample.reshape(shape[0], -1));
    return flat.reshape(Arrays.copyOfRange(shape, 1, shape.length));
  }

  /** ⟨p_i, q_i⟩ of the rows of two (B, …) tensors of one shape: a B-vector. */
  public static Tensor rowInnerProducts(Tensor p, Tensor q) {
    return p.flatten(1, -1).mul(q.flatten(1, -1))
        .sum(new long[] {1}, false, new ScalarTypeOptional());
  }

  /**
   * Σ_t x_{i,t} of a (B, …, d) tensor over its positions: (B, d). Of an output gradient, the
   * per-sample gradients of a bias added at every position.
   */
  public static Tensor sumOverPositions(Tensor x) {
    if (x.dim() == 2) {
      return x;
    }
    return x.flatten(1, -2).sum(new long[] {1}, false, new ScalarTypeOptional());
  }

  /**
   * Per-sample weight gradients Σ_t g_{i,t} a_{i,t}ᵀ in the weight's storage layout:
   * (B, d_out, d_in) for {@link WeightLayout#OUT_IN}, (B, d_in, d_out) for IN_OUT.
   */
  public static Tensor perSampleWeightGradients(
      Tensor input, Tensor outputGrad, WeightLayout layout) {
    Tensor a = asSequence(input);
    Tensor g = asSequence(outputGrad);
    return layout == WeightLayout.OUT_IN
        ? torch.bmm(g.transpose(1, 2), a)
        : torch.bmm(a.transpose(1, 2), g);
  }

  /**
   * The weight gradients of a linear map from input a (B, …, d_in) to output gradient g
   * (B, …, d_out) by book-keeping, never instantiated per sample unless that is the cheaper norm;
   * {@code input} is asked for a each time it is needed, for the norm and for the clipped sum (a
   * tape forms it once and keeps it from then on, {@link Tape.Entry#keptActivation()});
   * {@code asOutIn} views a tensor of the parameter's shape as (d_out, d_in), so that the clipped
   * sum is added into the accumulator in place; {@code outIn} says whether the parameter is stored
   * (d_out, d_in) (else (d_in, d_out)), the orientation of {@link OuterProducts}.
   */
  public static PerSampleGradient weightGradient(
      Parameter weight,
      Supplier<Tensor> input,
      Tensor outputGrad,
      UnaryOperator<Tensor> asOutIn,
      boolean outIn) {
    return new PerSampleGradient() {
      @Override
      public Parameter parameter() {
        return weight;
      }

      @Override
      public Tensor squaredNorms(Grams grams) {
        return weightSquaredNorms(input.get(), outputGrad, grams);
      }

      @Override
      public Tensor clippedSum(Tensor clipFactors) {
        Tensor sum = torch.zeros(weight.shape());
        addClippedSumTo(sum, clipFactors);
        return sum;
      }

      @Override
      public void addClippedSumTo(Tensor accumulator, Tensor clipFactors) {
        addClippedWeightSum(asOutIn.apply(accumulator), input.get(), outputGrad, clipFactors);
      }

      /** Σ_t g_t a_tᵀ for a (d_out, d_in) parameter, Σ_t a_t g_tᵀ for a (d_in, d_out) one. */
      @Override
      public Optional<OuterProducts> outerProducts() {
        Tensor a = asSequence(input.get());
        Tensor g = asSequence(outputGrad);
        return Optional.of(outIn ? new OuterProducts(g, false, a) : new OuterProducts(a, false, g));
      }
    };
  }

  /**
   * ‖Σ_t g_{i,t} a_{i,t}ᵀ‖²_F for every sample i, by the ghost norm (Grams from {@code grams}) or
   * by instantiating the (d_out × d_in) per-sample gradient, whichever
   * {@link LinearCostModel#useGhostNorm} picks.
   */
  public static Tensor weightSquaredNorms(Tensor input, Tensor outputGrad, Grams grams) {
    Tensor a = asSequence(input);
    Tensor g = asSequence(outputGrad);
    return LinearCostModel.useGhostNorm(a.size(1), a.size(2), g.size(2))
        ? ghostSquaredNorms(a, g, grams)
        : instantiatedSquaredNorms(a, g);
  }

  /** Ghost norm ⟨a aᵀ, g gᵀ⟩ summed over the two position axes: cost O(B·T²·(d_in + d_out)). */
  static Tensor ghostSquaredNorms(Tensor a, Tensor g, Grams grams) {
    return new OuterProducts(asSequence(g), false, asSequence(a)).squaredNorms(grams);
  }

  /** Instantiated per-sample gradients gᵢᵀaᵢ (B, d_out, d_in), then their squared norms. */
  static Tensor instantiatedSquaredNorms(Tensor a, Tensor g) {
    return squaredRowNorms(perSampleWeightGradients(a, g, WeightLayout.OUT_IN));
  }

  /**
   * Adds the book-kept clipped weight sum Σ_i c_i gᵢᵀaᵢ = (c∘g)ᵀa = gᵀ(c∘a), over all samples and
   * positions, to {@code sum} (d_out, d_in) in place; c_i scales a whole sample, so it goes on the
   * narrower of the two factors.
   */
  public static void addClippedWeightSum(
      Tensor sum, Tensor input, Tensor outputGrad, Tensor clipFactors) {
    Tensor a = asSequence(input);
    Tensor g = asSequence(outputGrad);
    Tensor c = clipFactors.reshape(-1, 1, 1);
    if (a.size(2) < g.size(2)) {
      a = a.mul(c); // (B, T, d_in)
    } else {
      g = g.mul(c); // (B, T, d_out)
    }
    sum.addmm_(g.reshape(-1, g.size(2)).t(), a.reshape(-1, a.size(2)));
  }

  /** Views (B, d) as (B, 1, d) and (B, T1, T2, …, d) as (B, T1·T2·…, d). */
  static Tensor asSequence(Tensor x) {
    if (x.dim() == 2) {
      return x.unsqueeze(1);
    }
    return x.dim() == 3 ? x : x.flatten(1, -2);
  }
}
