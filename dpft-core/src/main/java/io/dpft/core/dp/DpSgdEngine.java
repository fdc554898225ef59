package io.dpft.core.dp;

import io.dpft.core.dp.norms.Grams;
import io.dpft.core.dp.norms.NormRules;
import io.dpft.core.dp.norms.PerSampleGradient;
import io.dpft.core.dp.norms.PerSampleNormRule;
import io.dpft.core.dp.norms.SharedParameterGradient;
import io.dpft.core.nn.DpLayer;
import io.dpft.core.nn.Module;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Tape;
import io.dpft.privacy.noise.SecureGaussian;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * DP-SGD gradients for any model made of {@link DpLayer}s, following "The DP step" of
 * docs/ARCHITECTURE.md: per physical batch, {@link #accumulate} takes the output gradients of every
 * recorded layer call from ONE backward pass, computes per-sample norms with the layer's
 * {@link PerSampleNormRule} (a parameter that several calls share, such as a tied embedding, by
 * {@link SharedParameterGradient}), clips, and adds the book-kept clipped sums to an accumulator; per
 * logical batch, {@link #privateGradients} adds N(0, σ²C²) noise once and divides by the expected
 * batch size qN (Poisson sampling: the expected, not the realised, size keeps the sensitivity at
 * C/(qN)).
 *
 * <p>The accumulators are long-lived tensors owned by the engine ({@link #close()} frees them);
 * everything else lives in the caller's per-step scope.
 */
public final class DpSgdEngine implements AutoCloseable {
  private final DpSgdConfig config;
  private final NormRules rules;
  private final List<Parameter> parameters = new ArrayList<>();
  private final Map<Parameter, Integer> parameterIndex = new IdentityHashMap<>();
  private final Map<Parameter, Integer> parameterGroup = new IdentityHashMap<>();
  private final Map<DpLayer, Integer> layerIndex = new IdentityHashMap<>();
  private final double[] groupThresholds;
  private final List<Tensor> accumulators = new ArrayList<>();

  /**
   * @throws IllegalArgumentException if the model has no trainable parameter, a trainable
   *     parameter outside a {@link DpLayer}, a layer without a norm rule, or (group-wise) a
   *     parameter in no group — every problem listed at once
   */
  public DpSgdEngine(Module model, DpSgdConfig config, NormRules rules) {
    this.config = config;
    this.rules = rules;
    Map<Parameter, String> names = new IdentityHashMap<>();
    model.parameters().forEach((name, p) -> names.put(p, name));
    List<String> problems = new ArrayList<>();
    Map<Parameter, DpLayer> owner = new IdentityHashMap<>();
    for (Map.Entry<String, Module> m : model.namedModules().entrySet()) {
      if (m.getValue() instanceof DpLayer) {
        DpLayer layer = (DpLayer) m.getValue();
        List<Parameter> own = new ArrayList<>();
        own.add(layer.weight());
        layer.bias().ifPresent(own::add);
        boolean trainable = own.stream().anyMatch(Parameter::isTrainable);
        if (trainable && rules.forLayer(layer).isEmpty()) {
          problems.add("layer " + m.getKey() + " (" + layer.getClass().getSimpleName()
              + ") has trainable parameters but no per-sample norm rule");
        }
        if (trainable) {
          layerIndex.put(layer, layerIndex.size());
        }
        own.forEach(p -> owner.put(p, layer));
      }
    }
    model.parameters().forEach((name, p) -> {
      if (!p.isTrainable()) {
        return;
      }
      if (!owner.containsKey(p)) {
        problems.add("trainable parameter " + name + " does not belong to a DP-aware layer");
      }
      parameterIndex.put(p, parameters.size());
      parameters.add(p);
    });
    if (parameters.isEmpty()) {
      problems.add("the model has no trainable parameter");
    }
    this.groupThresholds = assignGroups(config.style(), names, owner, problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot train this model with DP-SGD:\n  - " + String.join("\n  - ", problems));
    }
    try (NoGradGuard noGrad = new NoGradGuard()) {
      for (Parameter p : parameters) {
        Tensor acc = torch.zeros_like(p.tensor());
        acc.retainReference();
        accumulators.add(acc);
      }
    }
  }

  private double[] assignGroups(
      ClippingStyle style,
      Map<Parameter, String> names,
      Map<Parameter, DpLayer> owner,
      List<String> problems) {
    if (style instanceof ClippingStyle.AllLayer) {
      parameters.forEach(p -> parameterGroup.put(p, 0));
      return new double[] {((ClippingStyle.AllLayer) style).maxGradNorm()};
    }
    if (style instanceof ClippingStyle.LayerWise) {
      parameters.forEach(p -> parameterGroup.put(p, layerIndex.getOrDefault(owner.get(p), 0)));
      double[] t = new double[Math.max(1, layerIndex.size())];
      java.util.Arrays.fill(t, ((ClippingStyle.LayerWise) style).perLayerThreshold(t.length));
      return t;
    }
    ClippingStyle.GroupWise groupWise = (ClippingStyle.GroupWise) style;
    for (Parameter p : parameters) {
      int g = groupWise.groupOf(names.get(p));
      if (g < 0) {
        problems.add("trainable parameter " + names.get(p) + " matches no clipping group");
      }
      parameterGroup.put(p, g);
    }
    return groupWise.groups().stream().mapToDouble(ClippingStyle.ParameterGroup::maxGradNorm)
        .toArray();
  }

  /** The trainable parameters, in the order of {@link #privateGradients}. */
  public List<Parameter> parameters() {
    return List.copyOf(parameters);
  }

  public DpSgdConfig config() {
    return config;
  }

  /**
   * Starts the tape for a physical batch's forward pass: each call gets its plan (and hook) as it
   * is recorded, so the tape keeps no output that backward can reach otherwise.
   * Pass it to {@link #accumulate} once the forward pass is done. ({@link Tape#start()} works too,
   * at the cost of keeping every output until backward.)
   */
  public Tape startTape() {
    return PerSampleBackward.startTape(this::ruleFor);
  }

  /**
   * Clips the per-sample gradients of one physical batch and adds their sum to the accumulator.
   *
   * @param tape the tape of the forward pass that produced {@code lossSum}
   * @param lossSum Σ_i ℓ_i over the physical batch (a sum, not a mean)
   */
  public ClippingStats accumulate(Tape tape, Tensor lossSum) {
    if (tape.entries().isEmpty()) {
      return ClippingStats.EMPTY;
    }
    // the step's per-sample tensors are freed here, before noise and the optimizer need memory
    try (PointerScope scope = new PointerScope()) {
      // a parameter used by several calls (tied weights) gets the sum of their gradients
      Map<Parameter, List<PerSampleGradient>> byParameter = new LinkedHashMap<>();
      for (List<PerSampleGradient> ofCall :
          PerSampleBackward.run(tape, lossSum, this::ruleFor, scope)) {
        for (PerSampleGradient g : ofCall) {
          byParameter.computeIfAbsent(g.parameter(), p -> new ArrayList<>()).add(g);
        }
      }
      List<PerSampleGradient> gradients = new ArrayList<>();
      byParameter.forEach((p, calls) ->
          gradients.add(calls.size() == 1 ? calls.get(0) : new SharedParameterGradient(p, calls)));
      return clipAndAccumulate(gradients, scope);
    }
  }

  /**
   * Clips with per-group factors, adds the clipped sums to the accumulators. Each parameter's
   * temporaries (instantiated per-sample gradients, scaled output gradients) are freed before the
   * next parameter's are made, and of the Gram matrices only the few the next parameters may share
   * ({@link Grams}) are kept; only each parameter's B-vector of squared norms outlasts the loop.
   */
  private ClippingStats clipAndAccumulate(List<PerSampleGradient> gradients, PointerScope keep) {
    try (NoGradGuard noGrad = new NoGradGuard()) {
      Tensor[] groupSquares = new Tensor[groupThresholds.length];
      try (Grams grams = new Grams()) {
        for (PerSampleGradient g : gradients) {
          int group = parameterGroup.get(g.parameter());
          Tensor sq;
          try (PointerScope local = new PointerScope()) {
            sq = g.squaredNorms(grams);
            keep.attach(sq);
          }
          groupSquares[group] = groupSquares[group] == null ? sq : groupSquares[group].add(sq);
        }
      }
      Tensor[] factors = new Tensor[groupThresholds.length];
      Tensor total = null;
      Tensor clipped = null;
      for (int group = 0; group < groupSquares.length; group++) {
        if (groupSquares[group] == null) {
          continue;
        }
        Tensor norms = groupSquares[group].sqrt();
        factors[group] = config.clipping().clipFactors(norms, groupThresholds[group]);
        total = total == null ? groupSquares[group] : total.add(groupSquares[group]);
        Tensor over = norms.gt(new Scalar(groupThresholds[group]));
        clipped = clipped == null ? over : clipped.logical_or(over);
      }
      for (PerSampleGradient g : gradients) {
        try (PointerScope local = new PointerScope()) {
          g.addClippedSumTo(
              accumulators.get(parameterIndex.get(g.parameter())),
              factors[parameterGroup.get(g.parameter())]);
        }
      }
      Tensor norms = total.sqrt();
      return new ClippingStats(
          (int) norms.size(0),
          norms.mean().item_double(),
          norms.max().item_double(),
          clipped.to(torch.ScalarType.Float).mean().item_double());
    }
  }

  @SuppressWarnings("unchecked")
  private PerSampleNormRule<DpLayer> ruleFor(DpLayer layer) {
    return (PerSampleNormRule<DpLayer>) rules.forLayer(layer).orElseThrow();
  }

  /**
   * The private gradient of every trainable parameter for the logical batch accumulated so far:
   * (Σ clipped + N(0, σ²C²)) / {@code expectedBatchSize}. Resets the accumulators. The returned
   * tensors belong to the caller's scope.
   *
   * @param expectedBatchSize qN under Poisson sampling (the fixed batch size otherwise)
   * @param noise the generator of this logical batch's noise (unused when σ = 0)
   */
  public List<Tensor> privateGradients(double expectedBatchSize, SecureGaussian noise) {
    List<Tensor> out =
        GaussianMechanism.privatize(accumulators, config.noiseStd(), expectedBatchSize, noise);
    try (NoGradGuard noGrad = new NoGradGuard()) {
      accumulators.forEach(Tensor::zero_);
    }
    return out;
  }

  /**
   * The clipped sums accumulated so far, one flat array per parameter of {@link #parameters()},
   * and resets the accumulators: how a worker that computed its share of a logical batch (a Spark
   * executor) ships that share to the engine that adds the noise ({@link #addClippedSums}).
   */
  public float[][] takeClippedSums() {
    float[][] out = new float[accumulators.size()][];
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      for (int i = 0; i < out.length; i++) {
        Tensor flat = accumulators.get(i).to(torch.ScalarType.Float).contiguous();
        out[i] = new float[(int) flat.numel()];
        flat.data_ptr_float().get(out[i]);
        accumulators.get(i).zero_();
      }
    }
    return out;
  }

  /**
   * Adds clipped sums taken ({@link #takeClippedSums}) from engines over copies of this model to
   * the accumulators, as if their physical batches had been {@link #accumulate}d here.
   *
   * @throws IllegalArgumentException if the arrays do not match the parameters' sizes
   */
  public void addClippedSums(float[][] sums) {
    if (sums.length != accumulators.size()) {
      throw new IllegalArgumentException(
          sums.length + " sums for " + accumulators.size() + " parameters");
    }
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      for (int i = 0; i < sums.length; i++) {
        Tensor acc = accumulators.get(i);
        if (sums[i].length != acc.numel()) {
          throw new IllegalArgumentException(String.format(
              "sum %d has %d values, its parameter has %d", i, sums[i].length, acc.numel()));
        }
        acc.add_(Tensor.create(sums[i], parameters.get(i).shape()).to(acc.scalar_type()));
      }
    }
  }

  /** Frees the accumulators. */
  @Override
  public void close() {
    accumulators.forEach(Tensor::close);
    accumulators.clear();
  }
}
