package io.dpft.core.dp;

import io.dpft.core.dp.norms.PerSampleGradient;
import io.dpft.core.dp.norms.PerSampleNormRule;
import io.dpft.core.nn.DpLayer;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.ParameterKind;
import io.dpft.core.nn.Tape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.VoidTensorHook;
import org.bytedeco.pytorch.global.torch;

/**
 * The one backward pass of a DP step: from L = Σ_i ℓ_i to the per-sample gradients of every
 * recorded layer call, weights never differentiated by autograd (book-keeping does that once, on
 * clipped output gradients; Bu et al., "Differentially Private Optimization on Large Model at
 * Small Cost", ICML 2023, §3).
 *
 * <p>Each call gets one {@link Plan}, chosen once as it is recorded from what its rule computes
 * from ({@link PerSampleNormRule#source}) and how backward can reach it ({@link Reach}):
 *
 * <ul>
 *   <li>{@link ReduceInHook}: every per-sample gradient is instantiated (biases and LayerNorm,
 *       (B, d); a weight whose per-sample gradients are cheaper than book-keeping), so a tensor
 *       hook forms them the moment autograd produces g = ∂L/∂z, and g is freed as soon as
 *       backward has used it: holding every such (B, T, d) gradient to the end of backward would
 *       add Σ_k B·T·d_k floats to the peak memory, where DP-BiTFiT needs only Σ_k B·d_k (Bu et
 *       al., "Differentially Private Bias-Term Fine-tuning of Foundation Models", ICML 2024, §3);
 *   <li>{@link CaptureInHook}: the rule needs g itself after backward (ghost norm and book-kept
 *       sum), and a tensor hook captures it, so that the tape need not keep the call's output as
 *       an input of {@code torch.grad} until backward ends;
 *   <li>{@link CaptureAsInput}: the same, for a call that backward reaches only through its
 *       output, which is then an input of {@code torch.grad} (a hook on it would add nothing);
 *   <li>{@link FromAnchorAlone}: the rule forms everything from its anchor's gradient (a bias-only
 *       linear layer whose per-example path carries the bias), a {@code torch.grad} result: no
 *       hook, and g is never reduced a second time.
 * </ul>
 *
 * A hooked call is reached by its {@link Tape.Entry#anchor() anchor} when it has one (a linear
 * layer's per-example path, whose gradient backward forms anyway, and which after backward gives
 * a book-kept call its per-sample bias gradients); else by its trainable parameters whose summed
 * gradient is a reduction of g (biases, LayerNorm's γ and β), their summed gradients discarded (a
 * pass over g each, where the anchor's costs nothing more); else by its output. A weight never is
 * an input of {@code torch.grad}: that would be the weight-gradient GEMM book-keeping avoids.
 */
final class PerSampleBackward implements Tape.Listener {
  private final Function<DpLayer, PerSampleNormRule<DpLayer>> rules;
  /** One plan per recorded call, in entry order. */
  private final List<Plan> plans = new ArrayList<>();
  /** Owns the hooks' native callbacks: layers may run in shorter scopes ({@code NestedScope}). */
  private final PointerScope hookScope = PointerScope.getInnerScope();

  private PerSampleBackward(Function<DpLayer, PerSampleNormRule<DpLayer>> rules) {
    this.rules = rules;
  }

  /**
   * A tape whose calls get their plans (and hooks) while the forward pass runs, so that the tape
   * need not keep the outputs of hooked calls (a (B, T, d) tensor per call) alive until backward.
   */
  static Tape startTape(Function<DpLayer, PerSampleNormRule<DpLayer>> rules) {
    return Tape.start(new PerSampleBackward(rules));
  }

  /** Plans the call; the tape keeps its output only when the plan needs it as an input. */
  @Override
  public boolean recorded(int index, Tape.Entry entry) {
    if (index != plans.size()) {
      throw new IllegalStateException(
          "entries must be recorded in order: expected " + plans.size() + ", got " + index);
    }
    Plan plan = plan(entry, rules.apply(entry.layer()));
    plans.add(plan);
    return plan.keepsOutput();
  }

  private Plan plan(Tape.Entry entry, PerSampleNormRule<DpLayer> rule) {
    Reach reach = entry.anchor() != null ? Reach.ANCHOR
        : !reductionParameters(entry.layer()).isEmpty() ? Reach.PARAMETERS
        : Reach.OUTPUT;
    return switch (rule.source(entry.layer(), entry)) {
      case ANCHOR_GRADIENT -> new FromAnchorAlone(entry, rule);
      case OUTPUT_GRADIENT_ONCE -> new ReduceInHook(register(new ReducingHook(entry, rule, reach)));
      case OUTPUT_GRADIENT -> reach == Reach.OUTPUT
          ? new CaptureAsInput(entry, rule)
          : new CaptureInHook(register(new CapturingHook(entry, rule, reach)));
    };
  }

  private <H extends GradientHook> H register(H hook) {
    if (hookScope != null) {
      hookScope.attach(hook); // else the innermost scope owns it, open until backward is done
    }
    hook.entry.output().register_hook(hook);
    return hook;
  }

  /**
   * The per-sample gradients of each entry of {@code tape}, in entry order. An output that does not
   * reach the loss gets zero gradients. A tape started elsewhere ({@link Tape#start()}) kept every
   * output, so its calls are planned (and hooked) here.
   *
   * @param keep the scope that owns the results (and everything else created here)
   */
  static List<List<PerSampleGradient>> run(
      Tape tape,
      Tensor loss,
      Function<DpLayer, PerSampleNormRule<DpLayer>> rules,
      PointerScope keep) {
    if (loss.numel() != 1) {
      throw new IllegalArgumentException(
          "loss must be a scalar (sum the per-sample losses), got shape "
              + Arrays.toString(loss.shape()));
    }
    PerSampleBackward backward;
    if (tape.listener() instanceof PerSampleBackward recording) {
      backward = recording;
    } else {
      backward = new PerSampleBackward(rules);
      List<Tape.Entry> entries = tape.entries();
      for (int k = 0; k < entries.size(); k++) {
        backward.recorded(k, entries.get(k));
      }
    }
    return backward.run(loss, keep);
  }

  private List<List<PerSampleGradient>> run(Tensor loss, PointerScope keep) {
    Inputs inputs = new Inputs(keep);
    int[] at = new int[plans.size()];
    for (int k = 0; k < plans.size(); k++) {
      at[k] = plans.get(k).addInputs(inputs);
    }
    // backward frees the graph, and the hooks with it
    Tensor[] grads =
        torch.grad(new TensorVector(loss), new TensorVector(inputs.tensors.toArray(Tensor[]::new)),
                new TensorVector(), new BoolOptional(false), false, true)
            .get();
    List<List<PerSampleGradient>> results = new ArrayList<>(plans.size());
    for (int k = 0; k < plans.size(); k++) {
      Tensor g = at[k] < 0 || !grads[at[k]].defined() ? null : grads[at[k]];
      results.add(plans.get(k).gradients(g));
    }
    return results;
  }

  /**
   * The layer's trainable parameters whose summed gradient autograd forms by reducing g: biases
   * and LayerNorm's affine parameters, never a weight matrix or an embedding table.
   */
  private static List<Parameter> reductionParameters(DpLayer layer) {
    List<Parameter> out = new ArrayList<>(2);
    Parameter weight = layer.weight();
    if (weight.isTrainable() && weight.kind() == ParameterKind.NORM_WEIGHT) {
      out.add(weight);
    }
    layer.bias().filter(Parameter::isTrainable).ifPresent(out::add);
    return out;
  }

  /** How backward is made to pass through a hooked call: what is an input of torch.grad. */
  enum Reach {
    /** Its anchor, whose gradient a book-kept call then reads. */
    ANCHOR,
    /** Its {@link #reductionParameters}, each an input once however many calls share it. */
    PARAMETERS,
    /** Its output, kept by the tape; the gradient is dropped (the hook has it). */
    OUTPUT
  }

  /** The inputs of the step's {@code torch.grad}, and the scope that owns what hooks keep. */
  private static final class Inputs {
    final PointerScope keep;
    final List<Tensor> tensors = new ArrayList<>();
    final Map<Parameter, Boolean> parameters = new IdentityHashMap<>();

    Inputs(PointerScope keep) {
      this.keep = keep;
    }

    /** Adds {@code input}; returns its position. */
    int add(Tensor input) {
      tensors.add(input);
      return tensors.size() - 1;
    }

    /** Makes backward reach a hooked call as its hook says; returns -1 or the anchor's position. */
    int reach(GradientHook hook) {
      hook.keep = keep;
      Tape.Entry entry = hook.entry;
      switch (hook.reach) {
        case ANCHOR -> {
          return add(entry.anchor());
        }
        case PARAMETERS -> reductionParameters(entry.layer()).forEach(p -> {
          if (parameters.put(p, Boolean.TRUE) == null) {
            tensors.add(p.tensor());
          }
        });
        case OUTPUT -> tensors.add(entry.output());
      }
      return -1;
    }
  }

  /** What the engine does for one recorded call, before, during and after backward. */
  sealed interface Plan permits HookedPlan, CaptureAsInput, FromAnchorAlone {
    /** Whether the tape must keep the call's output until backward. */
    boolean keepsOutput();

    /**
     * Adds to {@code inputs} what {@code torch.grad} must differentiate for this call.
     *
     * @return the position of the gradient the plan reads after backward, or -1
     */
    int addInputs(Inputs inputs);

    /**
     * The call's per-sample gradients after backward.
     *
     * @param gradient the gradient at {@link #addInputs}'s position; null when it returned -1 or
     *     when the call does not reach the loss
     */
    List<PerSampleGradient> gradients(Tensor gradient);
  }

  /** A plan whose hook on the call's output sees g inside backward. */
  sealed interface HookedPlan extends Plan permits ReduceInHook, CaptureInHook {
    GradientHook hook();

    /** The output is kept only when it is what makes backward reach the hook. */
    @Override
    default boolean keepsOutput() {
      return hook().reach == Reach.OUTPUT;
    }
  }

  /** Per-sample gradients all instantiated inside backward by {@link ReducingHook}. */
  record ReduceInHook(ReducingHook hook) implements HookedPlan {
    ReduceInHook {
      Objects.requireNonNull(hook, "hook");
    }

    @Override
    public int addInputs(Inputs inputs) {
      inputs.reach(hook);
      return -1; // the anchor's gradient, if any, is not needed
    }

    @Override
    public List<PerSampleGradient> gradients(Tensor gradient) {
      if (hook.failure != null) {
        throw hook.failure;
      }
      return hook.reduced != null ? hook.reduced : hook.gradients(hook.zeros(), null);
    }
  }

  /** g captured inside backward by {@link CapturingHook}, the rule run after backward. */
  record CaptureInHook(CapturingHook hook) implements HookedPlan {
    CaptureInHook {
      Objects.requireNonNull(hook, "hook");
    }

    @Override
    public int addInputs(Inputs inputs) {
      return inputs.reach(hook);
    }

    /** @param gradient the anchor's gradient, which may carry the per-sample bias gradients */
    @Override
    public List<PerSampleGradient> gradients(Tensor gradient) {
      return hook.captured != null
          ? hook.gradients(hook.captured, gradient)
          : hook.gradients(hook.zeros(), null);
    }
  }

  /** g as a {@code torch.grad} result: the output is an input, kept by the tape. */
  record CaptureAsInput(Tape.Entry entry, PerSampleNormRule<DpLayer> rule) implements Plan {
    CaptureAsInput {
      Objects.requireNonNull(rule, "rule");
      if (entry == null || entry.output() == null) {
        throw new IllegalArgumentException("capturing g as a torch.grad result needs the output");
      }
    }

    @Override
    public boolean keepsOutput() {
      return true;
    }

    @Override
    public int addInputs(Inputs inputs) {
      return inputs.add(entry.output());
    }

    @Override
    public List<PerSampleGradient> gradients(Tensor gradient) {
      return rule.gradients(entry.layer(), entry,
          gradient != null ? gradient : torch.zeros_like(entry.output()));
    }
  }

  /** Everything from the anchor's gradient, a {@code torch.grad} result; no hook. */
  record FromAnchorAlone(Tape.Entry entry, PerSampleNormRule<DpLayer> rule) implements Plan {
    FromAnchorAlone {
      Objects.requireNonNull(rule, "rule");
      if (entry == null || entry.anchor() == null) {
        throw new IllegalArgumentException(rule.getClass().getSimpleName()
            + " takes the gradients from an anchor, but the call has none");
      }
    }

    @Override
    public boolean keepsOutput() {
      return false;
    }

    @Override
    public int addInputs(Inputs inputs) {
      return inputs.add(entry.anchor());
    }

    @Override
    public List<PerSampleGradient> gradients(Tensor gradient) {
      return rule.gradients(entry.layer(), entry, null,
          gradient != null ? gradient : torch.zeros_like(entry.anchor()));
    }
  }

  /**
   * A hook on one call's output, run when autograd produces its gradient g; backward is made to
   * pass through the call as {@link #reach} says. Everything derived
   * from g lives in {@code keep} or in a scope of its own closed before returning. Must stay
   * strongly reachable while backward runs (the native side holds only a function pointer to it).
   */
  private abstract static class GradientHook extends VoidTensorHook {
    final Tape.Entry entry;
    final PerSampleNormRule<DpLayer> rule;
    final Reach reach;
    private final long[] outputShape;
    private final torch.ScalarType outputType;
    /** Set before backward: owns what the hook keeps. */
    PointerScope keep;

    GradientHook(Tape.Entry entry, PerSampleNormRule<DpLayer> rule, Reach reach) {
      this.entry = Objects.requireNonNull(entry, "entry");
      this.rule = Objects.requireNonNull(rule, "rule");
      this.reach = Objects.requireNonNull(reach, "reach");
      this.outputShape = entry.output().shape();
      this.outputType = entry.output().scalar_type().intern();
    }

    /** The gradient of an output that does not reach the loss. */
    Tensor zeros() {
      return torch.zeros(outputShape, new TensorOptions(outputType));
    }

    List<PerSampleGradient> gradients(Tensor outputGrad, Tensor anchorGrad) {
      return rule.gradients(entry.layer(), entry, outputGrad, anchorGrad);
    }
  }

  /** Forms the call's per-sample gradients, all instantiated, the moment g exists. */
  private static final class ReducingHook extends GradientHook {
    private List<PerSampleGradient> reduced;
    private RuntimeException failure;

    ReducingHook(Tape.Entry entry, PerSampleNormRule<DpLayer> rule, Reach reach) {
      super(entry, rule, reach);
    }

    @Override
    public void call(TensorBase grad) {
      try (PointerScope local = new PointerScope()) {
        List<PerSampleGradient> gradients = gradients(new Tensor(grad), null);
        for (PerSampleGradient g : gradients) {
          if (!(g instanceof PerSampleGradient.Instantiated instantiated)) {
            throw new IllegalStateException(rule.getClass().getSimpleName()
                + " declared OUTPUT_GRADIENT_ONCE but returned " + g.getClass().getName());
          }
          keep.attach(instantiated.perSample());
        }
        this.reduced = gradients;
      } catch (RuntimeException e) {
        failure = e; // thrown by run(), not across the native callback
      } finally {
        grad.close(); // the callback's own reference; autograd frees g after using it
      }
    }
  }

  /** Keeps g for after backward, in place of the call's output. */
  private static final class CapturingHook extends GradientHook {
    private Tensor captured;

    CapturingHook(Tape.Entry entry, PerSampleNormRule<DpLayer> rule, Reach reach) {
      super(entry, rule, reach);
    }

    @Override
    public void call(TensorBase grad) {
      captured = new Tensor(grad); // a reference of our own: autograd does not reuse it
      keep.attach(captured);
      grad.close();
    }
  }
}
