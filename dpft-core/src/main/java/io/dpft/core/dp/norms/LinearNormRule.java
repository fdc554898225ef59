package io.dpft.core.dp.norms;

import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Tape;
import io.dpft.core.nn.WeightLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Per-sample norms and clipped sums for a linear map z = a·Wᵀ + b applied at every position:
 * a is (B, T, d_in), the output gradient g = ∂L/∂z is (B, T, d_out) (or (B, d) without positions).
 * All results are new tensors owned by the caller's scope.
 *
 * <p>A trainable weight goes one of two ways ({@link WeightPath}): book-keeping holds g to the end
 * of backward, takes the norm by the ghost norm (or a transient per-sample gradient) and the
 * clipped sum by one more matrix product aᵀ(c∘g) (Bu et al., "Differentially Private Optimization
 * on Large Model at Small Cost", ICML 2023); instantiation forms the per-sample gradients gᵢᵀaᵢ
 * inside backward, the moment g exists, holds them instead of g, and gets both the norm and the
 * clipped sum Σ_i c_i·gᵢᵀaᵢ from them, with no second matrix product. Which one is cheaper depends
 * on T against d_in and d_out ({@link #instantiates}).
 */
public final class LinearNormRule implements PerSampleNormRule<Linear> {
  /**
   * Multiply-adds that one element of the instantiated per-sample gradients costs besides the
   * product that forms it: it is written once and read twice (norm, clipped sum) at memory speed,
   * which costs about as much as this many multiply-adds at the product's speed (measured in
   * docs/performance.md).
   */
  static final long INSTANTIATED_ELEMENT_COST = 60;

  /** How a trainable weight's per-sample norms and clipped sum are computed. */
  public enum WeightPath {
    /** Per call, whichever of the other two {@link #instantiates} picks for its shapes. */
    CHEAPEST,
    /** Hold g; norm by ghost norm or transient instantiation ({@link #useGhostNorm}); book-kept sum. */
    BOOK_KEEPING,
    /** Per-sample gradients formed during backward and held; norm and clipped sum from them. */
    INSTANTIATED
  }

  private final WeightPath path;

  /** The rule that picks the cheaper path per call ({@link WeightPath#CHEAPEST}). */
  public LinearNormRule() {
    this(WeightPath.CHEAPEST);
  }

  /** A rule that takes {@code path} for every trainable weight (tests, measurements). */
  public LinearNormRule(WeightPath path) {
    if (path == null) {
      throw new IllegalArgumentException("path must be one of " + Arrays.toString(WeightPath.values())
          + ", got null");
    }
    this.path = path;
  }

  @Override
  public Class<Linear> layerType() {
    return Linear.class;
  }

  /** Bias-only, or a weight whose per-sample gradients are instantiated during backward. */
  @Override
  public boolean instantiatesAll(Linear layer, Tape.Entry entry) {
    return !layer.weight().isTrainable() || instantiatesWeight(layer, entry);
  }

  /**
   * Bias-only, with an anchor that carries the bias (a (B, …, d_out) per-example path, {@link
   * Tape.Entry#anchor()}): the anchor's gradient is the per-sample bias gradients, formed by
   * backward anyway, so the output gradient is not reduced a second time.
   */
  @Override
  public boolean fromAnchorAlone(Linear layer, Tape.Entry entry) {
    return !layer.weight().isTrainable()
        && layer.bias().filter(Parameter::isTrainable).isPresent()
        && carriesBias(layer, entry);
  }

  /** Whether the call's anchor is its per-example path with the bias, (B, …, d_out). */
  private static boolean carriesBias(Linear layer, Tape.Entry entry) {
    return entry.anchor() != null && entry.anchor().size(-1) == layer.outFeatures();
  }

  private boolean instantiatesWeight(Linear layer, Tape.Entry entry) {
    switch (path) {
      case BOOK_KEEPING:
        return false;
      case INSTANTIATED:
        return true;
      default:
        return instantiates(
            positions(entry.activationShape()), layer.inFeatures(), layer.outFeatures());
    }
  }

  @Override
  public List<PerSampleGradient> gradients(Linear layer, Tape.Entry entry, Tensor outputGrad) {
    return gradients(layer, entry, outputGrad, null);
  }

  /**
   * The per-sample bias gradients Σ_t g_{i,t} are the anchor's gradient, (B, d_out), when the
   * anchor carries the bias (after backward: book-keeping, or a bias-only call), else reduced
   * from g.
   */
  @Override
  public List<PerSampleGradient> gradients(
      Linear layer, Tape.Entry entry, Tensor outputGrad, Tensor anchorGrad) {
    List<PerSampleGradient> out = new ArrayList<>(2);
    if (layer.weight().isTrainable()) {
      if (instantiatesWeight(layer, entry)) {
        out.add(PerSampleGradient.instantiated(layer.weight(),
            perSampleWeightGradients(entry.activation(), outputGrad, layer.layout())));
      } else {
        UnaryOperator<Tensor> asOutIn =
            layer.layout() == WeightLayout.OUT_IN ? UnaryOperator.identity() : Tensor::t;
        out.add(
            weightGradient(
                layer.weight(), entry::keptActivation, outputGrad, asOutIn,
                layer.layout() == WeightLayout.OUT_IN));
      }
    }
    layer
        .bias()
        .filter(Parameter::isTrainable)
        .ifPresent(b -> out.add(PerSampleGradient.instantiated(b,
            anchorGrad != null && carriesBias(layer, entry)
                ? anchorGrad.reshape(anchorGrad.size(0), -1)
                : perSampleBiasGradients(outputGrad))));
    return out;
  }

  /**
   * Whether instantiating the per-sample weight gradients beats book-keeping for a call with
   * {@code positions} positions (T), counted in multiply-adds per sample: book-keeping pays
   * min(T²(d_in + d_out)/2, T·d_in·d_out) for the norm ({@link #useGhostNorm}) and T·d_in·d_out
   * for the sum aᵀ(c∘g); instantiation pays T·d_in·d_out for gᵢᵀaᵢ and
   * {@value #INSTANTIATED_ELEMENT_COST} per element of the d_in·d_out result. It is taken when it
   * costs less and the held per-sample gradient is no larger than the call's input and output
   * gradient, d_in·d_out ≤ T·(d_in + d_out) — the memory the call holds anyway, a to the end of
   * the step, g where book-keeping holds it — so that instantiating never trades more than that
   * for speed. For 384×384 that is T ≥ 192; a 384×1536 feed-forward layer, whose 2.4 MB
   * per-sample gradient also runs at a lower speed (it leaves the cache), needs T ≥ 308.
   */
  public static boolean instantiates(long positions, long inFeatures, long outFeatures) {
    double weights = (double) inFeatures * outFeatures;
    double ghost = (double) positions * positions * (inFeatures + outFeatures) / 2;
    double bookKeeping = Math.min(ghost, positions * weights) + positions * weights;
    double instantiated = positions * weights + INSTANTIATED_ELEMENT_COST * weights;
    return instantiated < bookKeeping && weights <= (double) positions * (inFeatures + outFeatures);
  }

  /** T: the number of positions of a (B, …, d) tensor, 1 for (B, d). */
  static long positions(long[] activationShape) {
    long t = 1;
    for (int k = 1; k < activationShape.length - 1; k++) {
      t *= activationShape[k];
    }
    return t;
  }

  /**
   * Per-sample weight gradients Σ_t g_{i,t} a_{i,t}ᵀ in the weight's storage layout:
   * (B, d_out, d_in) for {@link WeightLayout#OUT_IN}, (B, d_in, d_out) for IN_OUT.
   */
  static Tensor perSampleWeightGradients(Tensor input, Tensor outputGrad, WeightLayout layout) {
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
   * (d_out, d_in) (else (d_in, d_out)), the orientation of {@link #outerProducts}.
   */
  static PerSampleGradient weightGradient(
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

  /**
   * Squared L2 norm of each row of a (B, …) tensor: a B-vector, in one pass over the rows (no
   * squared copy: per-sample weight gradients are large).
   */
  public static Tensor squaredRowNorms(Tensor perSample) {
    return torch.linalg_vector_norm(perSample.reshape(perSample.size(0), -1), new Scalar(2),
            new long[] {1}, false, new ScalarTypeOptional())
        .square();
  }

  /**
   * ‖Σ_t g_{i,t} a_{i,t}ᵀ‖²_F for every sample i, by the ghost norm (Grams from {@code grams}) or
   * by instantiating the (d_out × d_in) per-sample gradient, whichever takes fewer operations
   * ({@link #useGhostNorm}).
   */
  public static Tensor weightSquaredNorms(Tensor input, Tensor outputGrad, Grams grams) {
    Tensor a = asSequence(input);
    Tensor g = asSequence(outputGrad);
    long t = a.size(1);
    return useGhostNorm(t, a.size(2), g.size(2))
        ? ghostSquaredNorms(a, g, grams)
        : instantiatedSquaredNorms(a, g);
  }

  /**
   * The mixed ghost-norm decision (Bu, Mao and Xu, "Scalable and Efficient Training of Large
   * Convolutional Neural Networks with Differential Privacy", NeurIPS 2022, decide per layer by
   * space; here by operation count, which is what a CPU pays): the two T×T Gram matrices,
   * symmetric, take BT²(d_in + d_out)/2 multiply-adds ({@link Grams} forms their upper
   * triangles), the instantiated per-sample gradients BT·d_in·d_out, so the ghost norm is used
   * when T·(d_in + d_out) &lt; 2·d_in·d_out. Either way the temporaries are freed per layer (the
   * engine computes one parameter's norms at a time, keeping only the few Grams the next may
   * share), so the memory of the two (2BT² against B·d_in·d_out floats) is of the same order
   * where the costs cross.
   */
  public static boolean useGhostNorm(long positions, long inFeatures, long outFeatures) {
    return positions * (inFeatures + outFeatures) < 2 * inFeatures * outFeatures;
  }

  /** Ghost norm ⟨a aᵀ, g gᵀ⟩ summed over the two position axes: cost O(B·T²·(d_in + d_out)). */
  static Tensor ghostSquaredNorms(Tensor a, Tensor g, Grams grams) {
    return new OuterProducts(g, false, a).squaredNorms(grams);
  }

  /** Instantiated per-sample gradients gᵢᵀaᵢ (B, d_out, d_in), then their squared norms. */
  static Tensor instantiatedSquaredNorms(Tensor a, Tensor g) {
    return squaredRowNorms(torch.bmm(g.transpose(1, 2), a));
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

  /** Clipped sum Σ_i c_i·x_i of per-sample gradients x (B, …): shape of one sample. */
  public static Tensor clippedSum(Tensor perSample, Tensor clipFactors) {
    long[] shape = perSample.shape();
    Tensor flat = clipFactors.reshape(1, -1).mm(perSample.reshape(shape[0], -1));
    return flat.reshape(Arrays.copyOfRange(shape, 1, shape.length));
  }

  /** Views (B, d) as (B, 1, d) and (B, T1, T2, …, d) as (B, T1·T2·…, d). */
  static Tensor asSequence(Tensor x) {
    if (x.dim() == 2) {
      return x.unsqueeze(1);
    }
    return x.dim() == 3 ? x : x.flatten(1, -2);
  }
}
