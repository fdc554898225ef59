package io.dpft.core.dp.norms;

import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Tape;

/**
 * Which way a trainable linear weight's per-sample norms and clipped sum go, by the cost of each
 * for a call's shapes: book-keeping holds g to the end of backward, takes the norm by the ghost
 * norm (or a transient per-sample gradient, {@link #useGhostNorm}) and the clipped sum by one more
 * matrix product aᵀ(c∘g) (Bu et al., "Differentially Private Optimization on Large Model at Small
 * Cost", ICML 2023); instantiation forms the per-sample gradients gᵢᵀaᵢ inside backward, the
 * moment g exists, holds them instead of g, and gets both the norm and the clipped sum
 * Σ_i c_i·gᵢᵀaᵢ from them, with no second matrix product. The model only decides;
 * {@link LinearNormRule} and {@link PerSampleMath} compute.
 */
public enum LinearCostModel {
  /** Per call, whichever of the other two {@link #cheaperToInstantiate} picks for its shapes. */
  CHEAPEST {
    @Override
    boolean instantiates(long positions, long inFeatures, long outFeatures) {
      return cheaperToInstantiate(positions, inFeatures, outFeatures);
    }
  },
  /** Always book-keeping (tests, measurements). */
  BOOK_KEEPING {
    @Override
    boolean instantiates(long positions, long inFeatures, long outFeatures) {
      return false;
    }
  },
  /** Always instantiation (tests, measurements). */
  INSTANTIATED {
    @Override
    boolean instantiates(long positions, long inFeatures, long outFeatures) {
      return true;
    }
  };

  /**
   * Multiply-adds that one element of the instantiated per-sample gradients costs besides the
   * product that forms it: it is written once and read twice (norm, clipped sum) at memory speed,
   * which costs about as much as this many multiply-adds at the product's speed
   * (docs/performance.md).
   */
  static final long INSTANTIATED_ELEMENT_COST = 60;

  /** Whether this model instantiates the per-sample weight gradients of {@code entry}'s call. */
  public boolean instantiates(Linear layer, Tape.Entry entry) {
    return instantiates(
        positions(entry.activationShape()), layer.inFeatures(), layer.outFeatures());
  }

  abstract boolean instantiates(long positions, long inFeatures, long outFeatures);

  /**
   * Whether instantiating the per-sample weight gradients beats book-keeping for a call with
   * {@code positions} positions (T), counted in multiply-adds per sample: book-keeping pays
   * min(T²(d_in + d_out)/2, T·d_in·d_out) for the norm ({@link #useGhostNorm}) and T·d_in·d_out
   * for the sum aᵀ(c∘g); instantiation pays T·d_in·d_out for gᵢᵀaᵢ and
   * {@value #INSTANTIATED_ELEMENT_COST} per element of the d_in·d_out result. It is taken when it
   * costs less and the held per-sample gradient is no larger than the call's input and output
   * gradient, d_in·d_out ≤ T·(d_in + d_out) — the memory the call holds anyway, a to the end of
   * the step, g where book-keeping holds it — so that instantiating never trades more than that
   * for speed.
   */
  public static boolean cheaperToInstantiate(long positions, long inFeatures, long outFeatures) {
    double weights = (double) inFeatures * outFeatures;
    double ghost = (double) positions * positions * (inFeatures + outFeatures) / 2;
    double bookKeeping = Math.min(ghost, positions * weights) + positions * weights;
    double instantiated = positions * weights + INSTANTIATED_ELEMENT_COST * weights;
    return instantiated < bookKeeping && weights <= (double) positions * (inFeatures + outFeatures);
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

  /** T: the number of positions of a (B, …, d) tensor, 1 for (B, d). */
  static long positions(long[] activationShape) {
    long t = 1;
    for (int k = 1; k < activationShape.length - 1; k++) {
      t *= activationShape[k];
    }
    return t;
  }
}
