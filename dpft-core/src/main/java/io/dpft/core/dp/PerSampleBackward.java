package io.dpft.core.dp;

import io.dpft.core.dp.norms.PerSampleGradient;
import io.dpft.core.dp.norms.PerSampleNormRule;
import io.dpft.core.nn.DpLayer;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.ParameterKind;
import io.dpft.core.nn.Tape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * <p>Three kinds of calls. One whose rule needs the output gradient g = ∂L/∂z itself after backward
 * (ghost norm and book-kept sum) gets g captured: by a tensor hook when the call has a parameter
 * that autograd reaches anyway (below), so that the tape need not keep its output until backward
 * ends, else as an input of {@code torch.grad}. One whose rule
 * instantiates all its per-sample gradients ({@link PerSampleNormRule#instantiatesAll}: biases and
 * LayerNorm, (B, d); a weight whose per-sample gradients are cheaper than book-keeping) gets them
 * computed inside a tensor hook the moment autograd produces g, and g is freed as soon as backward
 * has used it: holding every such (B, T, d) gradient to the end of backward would add Σ_k B·T·d_k
 * floats to the peak memory, where DP-BiTFiT needs only Σ_k B·d_k (Bu et al., "Differentially
 * Private Bias-Term Fine-tuning of Foundation Models", ICML 2024, §3). So that autograd runs
 * through a hooked call, the call's {@link Tape.Entry#anchor() anchor} is an input of
 * {@code torch.grad} too (a linear layer's per-example path, whose gradient backward forms
 * anyway, and which after backward gives a book-kept call its per-sample bias gradients,
 * {@link PerSampleNormRule#gradients(DpLayer, Tape.Entry, Tensor, Tensor)}); a call without one
 * has its trainable parameters whose summed gradient is a reduction of g (biases, LayerNorm's γ
 * and β) there instead, their summed gradients discarded (a pass over g each, where the anchor's
 * costs nothing more). A weight never is (that would be the
 * weight-gradient GEMM book-keeping avoids), so a hooked call with neither has its output captured
 * as well. The third kind, one whose rule forms everything from its anchor's gradient
 * ({@link PerSampleNormRule#fromAnchorAlone}: a bias-only linear layer, whose per-example path
 * carries the bias, so that its gradient is the per-sample bias gradients), gets no hook: its
 * anchor's gradient is a {@code torch.grad} result, and g is never reduced a second time.
 */
final class PerSampleBackward implements Tape.Listener {
  private final Function<DpLayer, PerSampleNormRule<DpLayer>> rules;
  /** Hooked entries by index, registered as the forward pass recorded them. */
  private final Map<Integer, ReducingHook> hooks = new LinkedHashMap<>();
  /** Owns the hooks' native callbacks: layers may run in shorter scopes ({@code NestedScope}). */
  private final PointerScope hookScope = PointerScope.getInnerScope();

  private PerSampleBackward(Function<DpLayer, PerSampleNormRule<DpLayer>> rules) {
    this.rules = rules;
  }

  /**
   * A tape whose hooked calls get their hooks while the forward pass runs, so that the tape need
   * not keep their outputs (a (B, T, d) tensor per call) alive until backward.
   */
  static Tape startTape(Function<DpLayer, PerSampleNormRule<DpLayer>> rules) {
    return Tape.start(new PerSampleBackward(rules));
  }

  /**
   * Registers the hook of a call whose rule instantiates all its gradients, or that has an anchor
   * or a bias or LayerNorm parameter (its g is captured by the hook); the tape keeps the output
   * only when it must be an input of {@code torch.grad}: a call with neither.
   */
  @Override
  public boolean recorded(int index, Tape.Entry entry) {
    PerSampleNormRule<DpLayer> rule = rules.apply(entry.layer());
    if (rule.fromAnchorAlone(entry.layer(), entry)) {
      return false; // all from the anchor's gradient, a torch.grad result
    }
    boolean reduces = rule.instantiatesAll(entry.layer(), entry);
    boolean anchored = entry.anchor() != null || !reductionParameters(entry.layer()).isEmpty();
    if (!reduces && !anchored) {
      return true; // g is captured as a torch.grad result
    }
    ReducingHook hook = new ReducingHook(entry, rule, reduces);
    if (hookScope != null) {
      hookScope.attach(hook); // else the innermost scope owns it, open until backward is done
    }
    entry.output().register_hook(hook);
    hooks.put(index, hook);
    return !anchored;
  }

  /**
   * The per-sample gradients of each entry of {@code tape}, in entry order. An output that does not
   * reach the loss gets zero gradients. A tape started elsewhere ({@link Tape#start()}) kept every
   * output, so its hooks are registered here.
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
    List<Tape.Entry> entries = tape.entries();
    PerSampleBackward backward;
    if (tape.listener() instanceof PerSampleBackward recording) {
      backward = recording;
    } else {
      backward = new PerSampleBackward(rules);
      for (int k = 0; k < entries.size(); k++) {
        backward.recorded(k, entries.get(k));
      }
    }
    return backward.run(entries, loss, keep);
  }

  private List<List<PerSampleGradient>> run(
      List<Tape.Entry> entries, Tensor loss, PointerScope keep) {
    List<List<PerSampleGradient>> results = new ArrayList<>(Collections.nCopies(entries.size(), null));
    List<Tensor> inputs = new ArrayList<>();
    Map<Integer, Integer> capturedAt = new LinkedHashMap<>(); // entry -> input position
    Map<Integer, Integer> anchorAt = new LinkedHashMap<>(); // entry -> input position
    Map<Parameter, Boolean> traversed = new IdentityHashMap<>();
    for (int k = 0; k < entries.size(); k++) {
      Tape.Entry entry = entries.get(k);
      ReducingHook hook = hooks.get(k);
      if (hook != null) {
        hook.keep = keep;
      }
      if (entry.anchor() != null) { // recorded() hooked it, or its rule needs the anchor alone
        // its gradient: all an anchor-only call needs, a book-kept call's bias gradients
        anchorAt.put(k, inputs.size());
        inputs.add(entry.anchor());
      } else if (hook != null) {
        List<Parameter> anchors = reductionParameters(entry.layer());
        for (Parameter p : anchors) {
          if (traversed.put(p, Boolean.TRUE) == null) {
            inputs.add(p.tensor());
          }
        }
        if (anchors.isEmpty()) {
          inputs.add(entry.output()); // its gradient is returned too, and dropped
        }
      } else {
        capturedAt.put(k, inputs.size());
        inputs.add(entry.output());
      }
    }
    // backward frees the graph, and the hooks with it
    Tensor[] grads =
        torch.grad(new TensorVector(loss), new TensorVector(inputs.toArray(Tensor[]::new)),
                new TensorVector(), new BoolOptional(false), false, true)
            .get();
    for (Map.Entry<Integer, ReducingHook> h : hooks.entrySet()) {
      ReducingHook hook = h.getValue();
      if (hook.failure != null) {
        throw hook.failure;
      }
      Integer anchor = anchorAt.get(h.getKey());
      Tensor anchorGrad = anchor == null || !grads[anchor].defined() ? null : grads[anchor];
      // an output that does not reach the loss: zero gradients
      results.set(h.getKey(), hook.reduced != null ? hook.reduced
          : hook.captured != null
              ? hook.rule.gradients(hook.entry.layer(), hook.entry, hook.captured, anchorGrad)
              : hook.rule.gradients(hook.entry.layer(), hook.entry,
                  torch.zeros(hook.outputShape, new TensorOptions(hook.outputType))));
    }
    for (Map.Entry<Integer, Integer> a : anchorAt.entrySet()) {
      if (!hooks.containsKey(a.getKey())) { // a hooked call's anchor served above
        Tape.Entry entry = entries.get(a.getKey());
        Tensor g = grads[a.getValue()];
        results.set(a.getKey(), rules.apply(entry.layer()).gradients(
            entry.layer(), entry, null, g.defined() ? g : torch.zeros_like(entry.anchor())));
      }
    }
    for (Map.Entry<Integer, Integer> c : capturedAt.entrySet()) {
      Tape.Entry entry = entries.get(c.getKey());
      Tensor g = grads[c.getValue()];
      results.set(c.getKey(), rules.apply(entry.layer())
          .gradients(entry.layer(), entry, g.defined() ? g : torch.zeros_like(entry.output())));
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

  /**
   * Reduces one call's output gradient when autograd produces it, or, for a rule that needs g
   * after backward (ghost norm, book-keeping), captures it: then the tape need not keep the call's
   * output as an input of {@code torch.grad} until backward ends. Everything derived from the
   * gradient lives in a scope of its own, closed before returning, so that only the per-sample
   * reductions (moved to {@code keep}) reference memory afterwards. Must stay strongly reachable
   * while backward runs (the native side holds only a function pointer to it).
   */
  private static final class ReducingHook extends VoidTensorHook {
    private final Tape.Entry entry;
    private final PerSampleNormRule<DpLayer> rule;
    private final boolean reduces;
    private final long[] outputShape;
    private final torch.ScalarType outputType;
    private PointerScope keep;
    private List<PerSampleGradient> reduced;
    private Tensor captured;
    private RuntimeException failure;

    ReducingHook(Tape.Entry entry, PerSampleNormRule<DpLayer> rule, boolean reduces) {
      this.entry = entry;
      this.rule = rule;
      this.reduces = reduces;
      this.outputShape = entry.output().shape();
      this.outputType = entry.output().scalar_type().intern();
    }

    @Override
    public void call(TensorBase grad) {
      if (!reduces) {
        captured = new Tensor(grad); // a reference of our own: autograd does not reuse it
        keep.attach(captured);
        grad.close();
        return;
      }
      try (PointerScope local = new PointerScope()) {
        List<PerSampleGradient> reduced = rule.gradients(entry.layer(), entry, new Tensor(grad));
        for (PerSampleGradient g : reduced) {
          if (!(g instanceof PerSampleGradient.Instantiated)) {
            throw new IllegalStateException(rule.getClass().getSimpleName()
                + " declared instantiatesAll but returned " + g.getClass().getName());
          }
          keep.attach(((PerSampleGradient.Instantiated) g).perSample());
        }
        this.reduced = reduced;
      } catch (RuntimeException e) {
        failure = e; // thrown by run(), not across the native callback
      } finally {
        grad.close(); // the callback's own reference; autograd frees g after using it
      }
    }
  }
}
