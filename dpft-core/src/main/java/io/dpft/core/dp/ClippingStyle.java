package io.dpft.core.dp;

import io.dpft.privacy.PrivacyChecks;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which per-sample norm each clipping threshold applies to. Whatever the style, every clipped
 * per-sample gradient has total L2 norm at most {@link #sensitivity()}, so the Gaussian noise is
 * N(0, σ²·sensitivity²) per coordinate (McMahan et al. 2018, "A General Approach to Adding
 * Differential Privacy to Iterative Training Procedures", per-layer clipping).
 */
public sealed interface ClippingStyle
    permits ClippingStyle.AllLayer, ClippingStyle.LayerWise, ClippingStyle.GroupWise {

  /** The L2 sensitivity of one example's clipped contribution: the noise scale divided by σ. */
  double sensitivity();

  /** One norm over all trainable parameters, clipped to {@code maxGradNorm}. */
  record AllLayer(double maxGradNorm) implements ClippingStyle {
    public AllLayer {
      PrivacyChecks.positive("maxGradNorm", maxGradNorm);
    }

    @Override
    public double sensitivity() {
      return maxGradNorm;
    }
  }

  /**
   * One norm per layer; each of the L layers with trainable parameters is clipped to
   * {@code maxGradNorm / √L}, so the total stays within {@code maxGradNorm}.
   */
  record LayerWise(double maxGradNorm) implements ClippingStyle {
    public LayerWise {
      PrivacyChecks.positive("maxGradNorm", maxGradNorm);
    }

    @Override
    public double sensitivity() {
      return maxGradNorm;
    }

    /** The threshold of each of {@code layers} layers. */
    public double perLayerThreshold(int layers) {
      return maxGradNorm / Math.sqrt(layers);
    }
  }

  /**
   * One norm per parameter group, each with its own threshold; a trainable parameter belongs to
   * the first group whose pattern matches its name (every one must match some group).
   */
  record GroupWise(List<ParameterGroup> groups) implements ClippingStyle {
    public GroupWise {
      if (groups == null || groups.isEmpty()) {
        throw new IllegalArgumentException("group-wise clipping needs at least one group");
      }
      groups = List.copyOf(groups);
    }

    @Override
    public double sensitivity() {
      double sum = 0;
      for (ParameterGroup g : groups) {
        sum += g.maxGradNorm() * g.maxGradNorm();
      }
      return Math.sqrt(sum);
    }

    /** The index of the group that {@code parameterName} belongs to, or -1. */
    public int groupOf(String parameterName) {
      for (int i = 0; i < groups.size(); i++) {
        if (groups.get(i).pattern().matcher(parameterName).find()) {
          return i;
        }
      }
      return -1;
    }
  }

  /** A named set of parameters (by a regular expression on their names) and its threshold. */
  record ParameterGroup(String name, Pattern pattern, double maxGradNorm) {
    public ParameterGroup {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("a parameter group needs a name");
      }
      if (pattern == null) {
        throw new IllegalArgumentException("parameter group '" + name + "' needs a pattern");
      }
      PrivacyChecks.positive("maxGradNorm of group '" + name + "'", maxGradNorm);
    }

    public static ParameterGroup of(String name, String regex, double maxGradNorm) {
      return new ParameterGroup(name, Pattern.compile(regex), maxGradNorm);
    }
  }
}
