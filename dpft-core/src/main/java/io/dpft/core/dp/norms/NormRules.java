package io.dpft.core.dp.norms;

import io.dpft.core.nn.DpLayer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The registry of per-sample norm rules by layer type. A layer uses the rule of its own class or
 * of its nearest registered superclass.
 */
public final class NormRules {
  private final Map<Class<?>, PerSampleNormRule<?>> rules = new LinkedHashMap<>();

  private NormRules() {}

  /**
   * Rules for the layers of {@code io.dpft.core.nn}: Linear, Embedding, LayerNorm, Conv2d,
   * AddedParameter, LadderGate.
   */
  public static NormRules standard() {
    return new NormRules()
        .register(new LinearNormRule())
        .register(new EmbeddingNormRule())
        .register(new LayerNormNormRule())
        .register(new Conv2dNormRule())
        .register(new AddedParameterNormRule())
        .register(new ReversibleLinearNormRule())
        .register(new LadderGateNormRule());
  }

  /** Adds (or replaces) the rule for its layer type; returns this registry. */
  public <L extends DpLayer> NormRules register(PerSampleNormRule<L> rule) {
    rules.put(rule.layerType(), rule);
    return this;
  }

  /** The rule for {@code layer}, or empty when no rule covers its class. */
  @SuppressWarnings("unchecked")
  public <L extends DpLayer> Optional<PerSampleNormRule<L>> forLayer(L layer) {
    for (Class<?> c = layer.getClass(); c != null; c = c.getSuperclass()) {
      PerSampleNormRule<?> rule = rules.get(c);
      if (rule != null) {
        return Optional.of((PerSampleNormRule<L>) rule);
      }
    }
    return Optional.empty();
  }
}
