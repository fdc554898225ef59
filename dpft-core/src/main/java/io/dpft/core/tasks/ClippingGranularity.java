package io.dpft.core.tasks;

import io.dpft.core.dp.ClippingStyle;
import io.dpft.core.nn.Module;
import io.dpft.core.peft.FineTuningMethod;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which per-sample norms a run clips, by command-line name: one over all trainable parameters
 * ({@code all-layer}), one per layer ({@code layer-wise}, each to C/√L), or one per group of
 * parameters that play one role ({@code group-wise}). Whatever the choice, one example's clipped
 * contribution has norm at most C, the sensitivity the noise and the accounting assume.
 */
public enum ClippingGranularity {
  ALL_LAYER("all-layer"),
  LAYER_WISE("layer-wise"),
  GROUP_WISE("group-wise");

  /**
   * The roles of group-wise clipping, in the order a parameter's name is tried against them: the
   * task head, LoRA's matrices, bias terms (linear, convolution and LayerNorm), everything else.
   */
  private static final List<String> ROLES = List.of("head", "lora", "bias", "weights");

  private final String cliName;

  ClippingGranularity(String cliName) {
    this.cliName = cliName;
  }

  public String cliName() {
    return cliName;
  }

  /** Parses a command-line name (case-insensitive). */
  public static ClippingGranularity parse(String name) {
    String wanted = name.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(g -> g.cliName.equals(wanted)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(
            "--clipping-style must be all-layer, layer-wise or group-wise, got '" + name + "'"));
  }

  /**
   * The clipping style at total threshold {@code maxGradNorm} for {@code method} on
   * {@code model}. Group-wise: one group per role ({@link #ROLES}) that some phase of the method
   * trains — found by applying each phase's method to {@code model}, which leaves the first
   * phase's trainable flags set, as the trainer sets them first — each clipped to C/√k for k
   * groups, so that the total stays C; in a two-phase run a group that one phase leaves untrained
   * keeps its share (the noise is still calibrated to C: the accounting stays correct, if
   * conservative).
   */
  public ClippingStyle style(
      double maxGradNorm, Module model, FineTuningMethod method, String headPrefix) {
    switch (this) {
      case ALL_LAYER:
        return new ClippingStyle.AllLayer(maxGradNorm);
      case LAYER_WISE:
        return new ClippingStyle.LayerWise(maxGradNorm);
      default:
        List<Pattern> patterns = List.of(
            Pattern.compile("^" + Pattern.quote(headPrefix)),
            Pattern.compile("(^|\\.)lora_[AB]\\.weight$"),
            Pattern.compile("(^|\\.)bias$"),
            Pattern.compile("."));
        Set<Integer> trained = new TreeSet<>();
        for (FineTuningMethod phase : method.phases()) {
          phase.apply(model, headPrefix);
          model.parameters().forEach((name, p) -> {
            if (p.isTrainable()) {
              for (int r = 0; r < patterns.size(); r++) {
                if (patterns.get(r).matcher(name).find()) {
                  trained.add(r);
                  break;
                }
              }
            }
          });
        }
        method.phases().get(0).apply(model, headPrefix);
        double each = maxGradNorm / Math.sqrt(trained.size());
        List<ClippingStyle.ParameterGroup> groups = new ArrayList<>();
        trained.forEach(r -> groups.add(
            new ClippingStyle.ParameterGroup(ROLES.get(r), patterns.get(r), each)));
        return new ClippingStyle.GroupWise(groups);
    }
  }
}
