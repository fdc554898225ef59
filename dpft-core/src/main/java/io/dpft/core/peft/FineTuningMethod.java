package io.dpft.core.peft;

import io.dpft.core.nn.Linear;
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
        FineTuningMethod.Lora {

  /** Sets {@code requires_grad} on every parameter of {@code model} for this method. */
  void apply(Module model, String headPrefix);

  /**
   * The command-line name: {@code full}, {@code bitfit}, {@code last-layer}, {@code two-phase},
   * {@code lora}, {@code bitfit+lora}.
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
   * DP-LoRA (Hu et al., ICLR 2022; under DP: Yu et al., "Differentially Private Fine-tuning of
   * Language Models", ICLR 2022): {@link #extend} gives each Linear that {@code config}'s targets
   * find a low-rank update ({@link Linear#addLowRankUpdate}); only its {@code lora_A} and
   * {@code lora_B}, the head and, if {@code biases} ({@code bitfit+lora}), every bias term as in
   * BiTFiT train.
   */
  record Lora(LoraConfig config, boolean biases) implements FineTuningMethod {
    public Lora {
      if (config == null) {
        throw new IllegalArgumentException("LoRA needs its settings, got null");
      }
    }

    @Override
    public void extend(Module model) {
      config.targetsIn(model).values()
          .forEach(l -> l.addLowRankUpdate(config.rank(), config.alpha(), config.dropout()));
    }

    @Override
    public void apply(Module model, String headPrefix) {
      model.parameters().forEach((name, p) -> p.setTrainable(
          name.startsWith(headPrefix)
              || isLowRank(name)
              || (biases
                  && (p.kind() == ParameterKind.BIAS || p.kind() == ParameterKind.NORM_BIAS))));
    }

    @Override
    public String cliName() {
      return biases ? "bitfit+lora" : "lora";
    }

    @Override
    public Map<String, String> settings() {
      return config.settings();
    }

    /** Whether {@code parameterName} is a LoRA matrix ({@code ….lora_A.weight}, {@code lora_B}). */
    public static boolean isLowRank(String parameterName) {
      return parameterName.matches("(.*\\.)?lora_[AB]\\.weight");
    }
  }

  /**
   * Parses a command-line name; {@code two-phase} is {@code firstPhase} ({@code full}, as Bu et
   * al., or {@code last-layer}: a linear probe first) for {@code firstPhaseEpochs}, then BiTFiT.
   */
  static FineTuningMethod parse(String name, double firstPhaseEpochs, String firstPhase) {
    return parse(name, firstPhaseEpochs, firstPhase, LoraConfig.DEFAULT);
  }

  /** As {@link #parse(String, double, String)}, with {@code lora}'s settings for LoRA methods. */
  static FineTuningMethod parse(
      String name, double firstPhaseEpochs, String firstPhase, LoraConfig lora) {
    switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "full":
        return new Full();
      case "bitfit":
        return new BitFit(false);
      case "last-layer":
        return new LastLayer();
      case "two-phase":
        FineTuningMethod first = parse(firstPhase, firstPhaseEpochs, "full");
        if (!(first instanceof Full || first instanceof LastLayer)) {
          throw new IllegalArgumentException(
              "firstPhase must be full or last-layer, got '" + firstPhase + "'");
        }
        return new TwoPhase(first, firstPhaseEpochs, new BitFit(false));
      case "lora":
        return new Lora(lora, false);
      case "bitfit+lora":
        return new Lora(lora, true);
      default:
        throw new IllegalArgumentException("method must be one of full, bitfit, last-layer,"
            + " two-phase, lora, bitfit+lora, got '" + name + "'");
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
    return parse(cliName, 1, "full", LoraConfig.recorded(settings));
  }

  private static void freezeAllBut(
      Module model, String headPrefix, java.util.function.Predicate<Parameter> trains) {
    model.parameters()
        .forEach((name, p) -> p.setTrainable(name.startsWith(headPrefix) || trains.test(p)));
  }
}
