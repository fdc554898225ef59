package io.dpft.core.dp.norms;

import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Tape;
import io.dpft.core.nn.WeightLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Per-sample norms and clipped sums for a linear map z = a·Wᵀ + b applied at every position:
 * a is (B, T, d_in), the output gradient g = ∂L/∂z is (B, T, d_out) (or (B, d) without positions).
 * All results are new tensors owned by the caller's scope.
 */
public final class LinearNormRule implements PerSampleNormRule<Linear> {

  @Override
  public Class<Linear> layerType() {
    return Linear.class;
  }

  /** Bias-only: the per-sample bias gradients (B, d_out) are all there is. */
  @Override
  public boolean instantiatesAll(Linear layer) {
    return !layer.weight().isTrainable();
  }

  @Override
  public List<PerSampleGradient> gradients(Linear layer, Tape.Entry entry, Tensor outputGrad) {
    List<PerSampleGradient> out = new ArrayList<>(2);
    if (layer.weight().isTrainable()) {
      UnaryOperator<Tensor> toLayout =
          layer.layout() == WeightLayout.OUT_IN ? UnaryOperator.identity() : Tensor::t;
      out.add(
          weightGradient(
              layer.weight(), entry.activation(), outputGrad, toLayout,
              layer.layout() == WeightLayout.OUT_IN));
    }
    layer
        .bias()
        .filter(Parameter::isTrainable)
        .ifPresent(b -> out.add(PerSampleGradient.instantiated(b, perSampleBiasGradients(outputGrad))));
    return out;
  }

  /**
   * The weight gradients of a linear map from input a (B, …, d_in) to output gradient g
   * (B, …, d_out), never instantiated per sample unless that is the cheaper norm;
   * {@code toParameterShape} maps the (d_out, d_in) sum to the parameter's storage, which is
   * (d_out, d_in) when {@code outIn}, else (d_in, d_out).
   */
  static PerSampleGradient weightGradient(
      Parameter weight,
      Tensor input,
      Tensor outputGrad,
      UnaryOperator<Tensor> toParameterShape,
      boolean outIn) {
    return new PerSampleGradient() {
      @Override
      public Parameter parameter() {
        return weight;
      }

      @Override
      public Tensor squaredNorms() {
        return weightSquaredNorms(input, outputGrad);
      }

      @Override
      public Tensor clippedSum(Tensor clipFactors) {
        return toParameterShape.apply(clippedWeightSum(input, outputGrad, clipFactors));
      }

      /** Σ_t g_t a_tᵀ for a (d_out, d_in) parameter, Σ_t a_t g_tᵀ for a (d_in, d_out) one. */
      @Override
      public Optional<OuterProducts> outerProducts() {
        Tensor a = asSequence(input);
        Tensor g = asSequence(outputGrad);
        return Optional.of(outIn ? new OuterProducts(g, false, a) : new OuterProducts(a, false, g));
      }
    };
  }

  /** Per-sample bias gradients Σ_t g_{i,t}: (B, d_out). */
  public static Tensor perSampleBiasGradients(Tensor outputGrad) {
    if (outputGrad.dim() == 2) {
      return outputGrad;
    }
    return outputGrad.flatten(1, -2).sum(new long[] {1}, false, new ScalarTypeOptional());
  }

  /** ⟨p_i, q_i⟩ of the rows of two (B, …) tensors of one shape: a B-vector. */
  static Tensor rowInnerProducts(Tensor p, Tensor q) {
    return p.flatten(1, -1).mul(q.flatten(1, -1)).sum(new long[] {1}, false, new ScalarTypeOptional());
  }

  /** Squared L2 norm of each row of a (B, …) tensor: a B-vector. */
  public static Tensor squaredRowNorms(Tensor perSample) {
    return perSample.flatten(1, -1).square().sum(new long[] {1}, false, new ScalarTypeOptional());
  }

  /**
   * ‖Σ_t g_{i,t} a_{i,t}ᵀ‖²_F for every sample i, by the ghost norm or by instantiating the
   * (d_out × d_in) per-sample gradient, whichever takes fewer operations ({@link #useGhostNorm}).
   */
  public static Tensor weightSquaredNorms(Tensor input, Tensor outputGrad) {
    Tensor a = asSequence(input);
    Tensor g = asSequence(outputGrad);
    long t = a.size(1);
    return useGhostNorm(t, a.size(2), g.size(2))
        ? ghostSquaredNorms(a, g)
        : instantiatedSquaredNorms(a, g);
  }

  /**
   * The mixed ghost-norm decision (Bu, Mao and Xu, "Scalable and Efficient Training of Large
   * Convolutional Neural Networks with Differential Privacy", NeurIPS 2022, decide per layer by
   * space; here by operation count, which is what a CPU pays): the two T×T Gram matrices
   * take 2BT²(d_in + d_out) multiply-adds, the instantiated per-sample gradients 2BT·d_in·d_out,
   * so the ghost norm is used when T·(d_in + d_out) &lt; d_in·d_out. Either way the temporaries
   * are freed per layer (the engine computes one parameter's norms at a time), so the memory of
   * the two (2BT² against B·d_in·d_out floats) is of the same order where the costs cross.
   */
  public static boolean useGhostNorm(long positions, long inFeatures, long outFeatures) {
    return positions * (inFeatures + outFeatures) < inFeatures * outFeatures;
  }

  /** Ghost norm ⟨a aᵀ, g gᵀ⟩ summed over the two position axes: cost O(B·T²·(d_in + d_out)). */
  static Tensor ghostSquaredNorms(Tensor a, Tensor g) {
    Tensor aGram = torch.bmm(a, a.transpose(1, 2)); // (B, T, T)
    Tensor gGram = torch.bmm(g, g.transpose(1, 2)); // (B, T, T)
    return aGram.mul_(gGram).sum(new long[] {1, 2}, false, new ScalarTypeOptional());
  }

  /** Instantiated per-sample gradients gᵢᵀaᵢ (B, d_out, d_in), then their squared norms. */
  static Tensor instantiatedSquaredNorms(Tensor a, Tensor g) {
    return squaredRowNorms(torch.bmm(g.transpose(1, 2), a));
  }

  /**
   * Book-kept clipped weight sum Σ_i c_i gᵢᵀaᵢ = (c∘g)ᵀa = gᵀ(c∘a) over all samples and
   * positions; c_i scales a whole sample, so it goes on the narrower of the two factors.
   */
  public static Tensor clippedWeightSum(Tensor input, Tensor outputGrad, Tensor clipFactors) {
    Tensor a = asSequence(input);
    Tensor g = asSequence(outputGrad);
    Tensor c = clipFactors.reshape(-1, 1, 1);
    if (a.size(2) < g.size(2)) {
      a = a.mul(c); // (B, T, d_in)
    } else {
      g = g.mul(c); // (B, T, d_out)
    }
    return g.reshape(-1, g.size(2)).t().mm(a.reshape(-1, a.size(2))); // (d_out, d_in)
  }

  /** Clipped sum Σ_i c_i·x_i of per-sample gradients x (B, …): shape of one sample. */
  public static Tensor clippedSum(Tensor perSample, Tensor clipFactors) {
    long[] shape = perSample.shape();
    Tensor flat = clipFactors.reshape(1, -1).mm(perSample.reshape(shape[0], -1));
    return flat.reshape(java.util.Arrays.copyOfRange(shape, 1, shape.length));
  }

  /** Views (B, d) as (B, 1, d) and (B, T1, T2, …, d) as (B, T1·T2·…, d). */
  static Tensor asSequence(Tensor x) {
    if (x.dim() == 2) {
      return x.unsqueeze(1);
    }
    return x.dim() == 3 ? x : x.flatten(1, -2);
  }
}
