package io.dpft.core.peft;

import io.dpft.core.nn.LadderSideNetwork;
import io.dpft.core.nn.Module;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.ParameterKind;
import io.dpft.privacy.PrivacyChecks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which parameters train. {@link #extend} first adds the modules a method trains that the
 * pretrained model lacks (none for the methods that choose among its own parameters);
 * {@link #apply} freezes the whole model and unfreezes the method's parameters; the task head
 * (parameters whose name starts with {@code headPrefix}, e.g. a fresh {@code classifier}) trains
 * under every method.
 */
public sealed interface FineTuningMethod
    permits FineTuningMethod.Full,
        FineTuningMethod.BitFit,
        FineTuningMethod.LastLayer,
        FineTuningMethod.TwoPhase,
        FineTuningMethod.SideNetwork {

  /** Sets {@code requires_grad} on every parameter of {@code model} for this method. */
  void apply(Module model, String headPrefix);

  /**
   * The command-line name: {@code full}, {@code bitfit}, {@code last-layer}, {@code two-phase},
   * {@code side}.
   */
  String cliName();

  /**
   * Adds to {@code model} the freshly initialised modules this method trains that a pretrained
   * model lacks. Called once per model, after its pretrained weights load and before a trained
   * run's parameters are loaded over them, so that those load by name; a no-op for a method that
   * trains the model's own parameters.
   *
   * @throws IllegalArgumentException if the method does not apply to this kind of model
   */
  default void extend(Module model) {}

  /**
   * What {@code config.json} records beside {@link #cliName()} so that {@link #recorded} rebuilds
   * this method; empty when the name says it all.
   */
  default Map<String, String> settings() {
    return Map.of();
  }

  /** The methods applied one after another: this one alone, or a two-phase method's two. */
  default List<FineTuningMethod> phases() {
    return List.of(this);
  }

  /** Every parameter trains. */
  record Full() implements FineTuningMethod {
    @Override
    public void apply(Module model, String headPrefix) {
      model.unfreeze((name, p) -> true);
    }

    @Override
    public String cliName() {
      return "full";
    }
  }

  /**
   * BiTFiT (Zaken et al., ACL 2022; under DP: Bu et al., ICML 2024): only bias terms train —
   * linear and convolution biases and LayerNorm shifts β — plus, if {@code normWeights}, the
   * LayerNorm scales γ, and the head.
   */
  record BitFit(boolean normWeights) implements FineTuningMethod {
    @Override
    public void apply(Module model, String headPrefix) {
      freezeAllBut(
          model,
          headPrefix,
          p ->
              p.kind() == ParameterKind.BIAS
                  || p.kind() == ParameterKind.NORM_BIAS
                  || (normWeights && p.kind() == ParameterKind.NORM_WEIGHT));
    }

    @Override
    public String cliName() {
      return "bitfit";
    }
  }

  /** Only the head trains: linear probing, the baseline users expect. */
  record LastLayer() implements FineTuningMethod {
    @Override
    public void apply(Module model, String headPrefix) {
      freezeAllBut(model, headPrefix, p -> false);
    }

    @Override
    public String cliName() {
      return "last-layer";
    }
  }

  /**
   * Two-phase training (Bu et al., ICML 2024, §4.3): {@code first} for {@code firstEpochs}
   * epochs, then {@code second} (BiTFiT) for the rest; one privacy ledger covers both phases.
   */
  record TwoPhase(FineTuningMethod first, double firstEpochs, FineTuningMethod second)
      implements FineTuningMethod {
    public TwoPhase {
      if (first == null || second == null) {
        throw new IllegalArgumentException("two-phase training needs both methods");
      }
      if (first instanceof TwoPhase || second instanceof TwoPhase) {
        throw new IllegalArgumentException("two-phase methods do not nest");
      }
      PrivacyChecks.positive("firstEpochs", firstEpochs);
    }

    /** Applies the first phase's method; the trainer switches to {@link #second()} later. */
    @Override
    public void apply(Module model, String headPrefix) {
      first.apply(model, headPrefix);
    }

    @Override
    public String cliName() {
      return "two-phase";
    }

    /** The first phase runs on the model first; the second may add modules of its own. */
    @Override
    public void extend(Module model) {
      first.extend(model);
      second.extend(model);
    }

    @Override
    public Map<String, String> settings() {
      Map<String, String> out = new LinkedHashMap<>();
      out.put("first_phase", first.cliName());
      out.put("first_phase_epochs", Double.toString(firstEpochs));
      return out;
    }

    @Override
    public List<FineTuningMethod> phases() {
      return List.of(first, second);
    }
  }

  /**
   * A ladder side network ({@link LadderSideNetwork}; the side-network design of DP-MemArc, Liu et
   * al. 2024): a fresh transformer {@code reduction} times narrower than the backbone trains beside
   * it, with the head; the backbone runs without autograd, so backward never enters it.
   */
  record SideNetwork(int reduction) implements FineTuningMethod {
    public SideNetwork {
      if (reduction < 1) {
        throw new IllegalArgumentException("side reduction must be >= 1, got " + reduction);
      }
    }

    /**
     * Trains the side network and the head only.
     *
     * @throws IllegalStateException if {@link #extend} has not added a side network to the model
     */
    @Override
    public void apply(Module model, String headPrefix) {
      String side = LadderSideNetwork.NAME + ".";
      if (model.parameters().keySet().stream().noneMatch(n -> n.startsWith(side))) {
        throw new IllegalStateException("the model has no side network: call extend first");
      }
      model.parameters()
          .forEach((name, p) -> p.setTrainable(name.startsWith(headPrefix) || name.startsWith(side)));
    }

    @Override
    public String cliName() {
      return "side";
    }

    /**
     * Attaches a fresh side network of width d / {@code reduction}.
     *
     * @throws IllegalArgumentException if the model cannot carry one (a ViT) or {@code reduction}
     *     does not divide its width
     */
    @Override
    public void extend(Module model) {
      if (!(model instanceof LadderSideNetwork.Host host)) {
        throw new IllegalArgumentException("the side network applies to BERT and GPT-2 models, got "
            + model.getClass().getSimpleName());
      }
      host.attachSideNetwork(reduction);
    }

    @Override
    public Map<String, String> settings() {
      return Map.of("reduction", Integer.toString(reduction));
    }
  }

  /**
   * Parses a command-line name; {@code two-phase} is {@code firstPhase} ({@code full}, as Bu et
   * al., or {@code last-layer}: a linear probe first) for {@code firstPhaseEpochs}, then BiTFiT;
   * {@code side} is a side network of the default reduction.
   */
  static FineTuningMethod parse(String name, double firstPhaseEpochs, String firstPhase) {
    switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "full":
        return new Full();
      case "bitfit":
        return new BitFit(false);
      case "last-layer":
        return new LastLayer();
      case "side":
        return new SideNetwork(LadderSideNetwork.DEFAULT_REDUCTION);
      case "two-phase":
        FineTuningMethod first = parse(firstPhase, firstPhaseEpochs, "full");
        if (!(first instanceof Full || first instanceof LastLayer)) {
          throw new IllegalArgumentException(
              "firstPhase must be full or last-layer, got '" + firstPhase + "'");
        }
        return new TwoPhase(first, firstPhaseEpochs, new BitFit(false));
      default:
        throw new IllegalArgumentException(
            "method must be one of full, bitfit, last-layer, two-phase, side, got '" + name + "'");
    }
  }

  /**
   * The method a run's {@code config.json} names, with the {@link #settings()} it recorded (empty
   * in a file written before settings were recorded: the defaults then).
   */
  static FineTuningMethod recorded(String cliName, Map<String, String> settings) {
    if ("two-phase".equals(cliName)) {
      return parse(cliName,
          Double.parseDouble(settings.getOrDefault("first_phase_epochs", "1")),
          settings.getOrDefault("first_phase", "full"));
    }
    if ("side".equals(cliName)) {
      return new SideNetwork(Integer.parseInt(settings.getOrDefault(
          "reduction", Integer.toString(LadderSideNetwork.DEFAULT_REDUCTION))));
    }
    return parse(cliName, 1, "full");
  }

  private static void freezeAllBut(
      Module model, String headPrefix, java.util.function.Predicate<Parameter> trains) {
    model.parameters()
        .forEach((name, p) -> p.setTrainable(name.startsWith(headPrefix) || trains.test(p)));
  }
}
