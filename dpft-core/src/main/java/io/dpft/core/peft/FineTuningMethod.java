package io.dpft.core.peft;

import io.dpft.core.models.BertModel;
import io.dpft.core.nn.BottleneckAdapter;
import io.dpft.core.nn.LadderSideNetwork;
import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Module;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.ParameterKind;
import io.dpft.core.nn.ReversibleStack;
import io.dpft.core.nn.TransformerBlock;
import io.dpft.privacy.PrivacyChecks;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;

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
        FineTuningMethod.Adapter,
        FineTuningMethod.Reversible,
        FineTuningMethod.SideNetwork,
        FineTuningMethod.Lora {

  /** Sets {@code requires_grad} on every parameter of {@code model} for this method. */
  void apply(Module model, String headPrefix);

  /**
   * The command-line name: {@code full}, {@code bitfit}, {@code last-layer}, {@code two-phase},
   * {@code adapter}, {@code reversible}, {@code side}, {@code lora}, {@code bitfit+lora}.
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
   * What {@code config.json} records beside {@link #cliName()} so that {@link #of(String, Map)} rebuilds
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
      freezeAllBut(model, headPrefix,
          (name, p) -> isBias(p) || (normWeights && p.kind() == ParameterKind.NORM_WEIGHT));
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
      freezeAllBut(model, headPrefix, (name, p) -> false);
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
   * DP-Adapter (Houlsby et al., "Parameter-Efficient Transfer Learning for NLP", ICML 2019; under
   * DP: Yu et al., "Differentially Private Fine-tuning of Language Models", ICLR 2022): a
   * {@link BottleneckAdapter} of width {@code size} after the attention and after the MLP of every
   * transformer block; the adapters and the head train, the pretrained model stays frozen.
   */
  record Adapter(int size) implements FineTuningMethod {
    /** The width of the bottleneck when none is given. */
    public static final int DEFAULT_SIZE = 64;

    /** The {@link #settings()} key of the width. */
    static final String SIZE_SETTING = "adapter_size";

    public Adapter {
      if (size < 1) {
        throw new IllegalArgumentException("adapter size must be >= 1, got " + size);
      }
    }

    @Override
    public void apply(Module model, String headPrefix) {
      trainModules(model, headPrefix, BottleneckAdapter.class);
    }

    @Override
    public String cliName() {
      return "adapter";
    }

    /** Adds the adapters to every {@link TransformerBlock} of {@code model}. */
    @Override
    public void extend(Module model) {
      List<TransformerBlock> blocks = model.namedModules().values().stream()
          .filter(TransformerBlock.class::isInstance).map(TransformerBlock.class::cast).toList();
      if (blocks.isEmpty()) {
        throw new IllegalArgumentException("adapters go into transformer blocks; "
            + model.getClass().getSimpleName() + " has none");
      }
      blocks.forEach(block -> block.addAdapters(size));
    }

    @Override
    public Map<String, String> settings() {
      return Map.of(SIZE_SETTING, Integer.toString(size));
    }
  }

  /**
   * DP reversible adapters (the reversible design of DP-MemArc, Liu et al. 2024, after MEFT, Liao
   * et al., NeurIPS 2023): the frozen blocks of a BERT-style encoder coupled with zero-started
   * adapters into a {@link ReversibleStack}, whose backward recomputes each block's input from its
   * output rather than keeping the activations; the adapters and the head train.
   *
   * @param size the adapters' width
   * @param lambda the stack's λ, in (0, 1]: the smaller, the closer the start to the pretrained
   *     function, and the more float error the recomputed inputs carry (divided by λ per block)
   */
  record Reversible(int size, double lambda) implements FineTuningMethod {
    /** λ when none is given. */
    public static final double DEFAULT_LAMBDA = 0.1;

    static final String LAMBDA_SETTING = "reversible_lambda";

    public Reversible {
      if (size < 1) {
        throw new IllegalArgumentException("adapter size must be >= 1, got " + size);
      }
      if (!(lambda > 0 && lambda <= 1)) {
        throw new IllegalArgumentException("reversible lambda must be in (0, 1], got " + lambda);
      }
    }

    @Override
    public void apply(Module model, String headPrefix) {
      trainModules(model, headPrefix, ReversibleStack.class);
    }

    @Override
    public String cliName() {
      return "reversible";
    }

    /** Makes a {@link BertModel}'s blocks reversible. */
    @Override
    public void extend(Module model) {
      if (!(model instanceof BertModel bert)) {
        throw new IllegalArgumentException("reversible adapters are built for BERT-style "
            + "encoders only, got " + model.getClass().getSimpleName());
      }
      bert.makeReversible(size, lambda);
    }

    @Override
    public Map<String, String> settings() {
      return Map.of(Adapter.SIZE_SETTING, Integer.toString(size),
          LAMBDA_SETTING, Double.toString(lambda));
    }
  }

  /**
   * A ladder side network ({@link LadderSideNetwork}; the side-network design of DP-MemArc, Liu et
   * al. 2024): a fresh transformer {@code reduction} times narrower than the backbone trains beside
   * it, with the head; the backbone runs without autograd, so backward never enters it.
   */
  record SideNetwork(int reduction) implements FineTuningMethod {
    static final String REDUCTION_SETTING = "side_reduction";

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
      freezeAllBut(model, headPrefix, (name, p) -> name.startsWith(side));
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
      return Map.of(REDUCTION_SETTING, Integer.toString(reduction));
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
      freezeAllBut(model, headPrefix, (name, p) -> isLowRank(name) || (biases && isBias(p)));
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
   * The method named {@code name} (a command-line name) with the settings it takes from
   * {@code settings}, by the keys its {@link #settings()} records (a key it does not take is
   * ignored; a missing one takes its default): {@code first_phase} ({@code full}, as Bu et al., or
   * {@code last-layer}: a linear probe first) and {@code first_phase_epochs} of {@code two-phase},
   * then BiTFiT; {@code adapter_size} of {@code adapter} and {@code reversible};
   * {@code reversible_lambda}; {@code side_reduction}; {@code lora_rank}, {@code lora_alpha},
   * {@code lora_dropout} and {@code lora_targets} of {@code lora} and {@code bitfit+lora}
   * ({@link LoraConfig}). So a run's {@code config.json} rebuilds
   * its method.
   *
   * @throws IllegalArgumentException for an unknown name or a setting out of range
   */
  static FineTuningMethod of(String name, Map<String, String> settings) {
    switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "full":
        return new Full();
      case "bitfit":
        return new BitFit(false);
      case "last-layer":
        return new LastLayer();
      case "two-phase":
        String firstPhase = settings.getOrDefault("first_phase", "full");
        double firstEpochs = number(settings, "first_phase_epochs", 1);
        FineTuningMethod first = of(firstPhase, Map.of());
        if (!(first instanceof Full || first instanceof LastLayer)) {
          throw new IllegalArgumentException(
              "firstPhase must be full or last-layer, got '" + firstPhase + "'");
        }
        return new TwoPhase(first, firstEpochs, new BitFit(false));
      case "adapter":
        return new Adapter(adapterSize(settings));
      case "reversible":
        return new Reversible(adapterSize(settings),
            number(settings, Reversible.LAMBDA_SETTING, Reversible.DEFAULT_LAMBDA));
      case "side":
        return new SideNetwork(
            integer(settings, SideNetwork.REDUCTION_SETTING, LadderSideNetwork.DEFAULT_REDUCTION));
      case "lora":
        return new Lora(LoraConfig.of(settings), false);
      case "bitfit+lora":
        return new Lora(LoraConfig.of(settings), true);
      default:
        throw new IllegalArgumentException("method must be one of full, bitfit, last-layer, "
            + "two-phase, adapter, reversible, side, lora, bitfit+lora, got '" + name + "'");
    }
  }

  /** {@code of(name, Map.of())}: the method with its default settings. */
  static FineTuningMethod of(String name) {
    return of(name, Map.of());
  }

  private static int adapterSize(Map<String, String> settings) {
    return integer(settings, Adapter.SIZE_SETTING, Adapter.DEFAULT_SIZE);
  }

  private static int integer(Map<String, String> settings, String key, int fallback) {
    String value = settings.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + value + "'", e);
    }
  }

  private static double number(Map<String, String> settings, String key, double fallback) {
    String value = settings.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number, got '" + value + "'", e);
    }
  }

  /** Trains the parameters of every module of type {@code trained} and the head. */
  private static void trainModules(
      Module model, String headPrefix, Class<? extends Module> trained) {
    Set<Parameter> inModules = Collections.newSetFromMap(new IdentityHashMap<>());
    model.namedModules().values().stream()
        .filter(trained::isInstance)
        .forEach(m -> inModules.addAll(m.parameters().values()));
    freezeAllBut(model, headPrefix, (name, p) -> inModules.contains(p));
  }

  /** Trains the head and the parameters {@code trains} names; freezes every other. */
  private static void freezeAllBut(
      Module model, String headPrefix, BiPredicate<String, Parameter> trains) {
    model.parameters()
        .forEach((name, p) -> p.setTrainable(name.startsWith(headPrefix) || trains.test(name, p)));
  }

  /** A bias term as BiTFiT trains it: a layer's bias or a LayerNorm's shift β. */
  private static boolean isBias(Parameter p) {
    return p.kind() == ParameterKind.BIAS || p.kind() == ParameterKind.NORM_BIAS;
  }
}
