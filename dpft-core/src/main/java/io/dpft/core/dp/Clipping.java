package io.dpft.core.dp;

import io.dpft.privacy.PrivacyChecks;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * How a per-sample gradient of norm ‖g‖ is scaled to bound its contribution by a threshold C.
 * Both rules give every clipped per-sample gradient a norm of at most C.
 */
public sealed interface Clipping permits Clipping.Abadi, Clipping.Automatic {

  /** Per-sample factors c_i for the per-sample norms ‖g_i‖ (a B-vector) and threshold C. */
  Tensor clipFactors(Tensor perSampleNorms, double threshold);

  /** The factor for one norm, in double precision (for references and tests). */
  double clipFactor(double norm, double threshold);

  /** Abadi et al. 2016 (Deep Learning with Differential Privacy): c = min(1, C/‖g‖). */
  record Abadi() implements Clipping {
    @Override
    public Tensor clipFactors(Tensor perSampleNorms, double threshold) {
      // C / max(‖g‖, C) = min(1, C/‖g‖), and 1 for ‖g‖ = 0
      return perSampleNorms.clamp_min(new Scalar(threshold)).reciprocal().mul(new Scalar(threshold));
    }

    @Override
    public double clipFactor(double norm, double threshold) {
      return threshold / Math.max(norm, threshold);
    }
  }

  /**
   * Automatic clipping (Bu et al., NeurIPS 2023, "Automatic Clipping: Differentially Private Deep
   * Learning Made Easier and Stronger"): c = C/(‖g‖ + γ), which normalises every per-sample
   * gradient; γ &gt; 0 (default 0.01) keeps small gradients from being amplified without bound.
   */
  record Automatic(double gamma) implements Clipping {
    public static final double DEFAULT_GAMMA = 0.01;

    public Automatic {
      PrivacyChecks.positive("gamma", gamma);
    }

    public Automatic() {
      this(DEFAULT_GAMMA);
    }

    @Override
    public Tensor clipFactors(Tensor perSampleNorms, double threshold) {
      return perSampleNorms.add(new Scalar(gamma)).reciprocal().mul(new Scalar(threshold));
    }

    @Override
    public double clipFactor(double norm, double threshold) {
      return threshold / (norm + gamma);
    }
  }
}
