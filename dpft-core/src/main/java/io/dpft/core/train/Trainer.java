package io.dpft.core.train;

import io.dpft.core.dp.ClippingStats;
import io.dpft.core.dp.DpSgdEngine;
import io.dpft.core.dp.norms.NormRules;
import io.dpft.core.nn.Module;
import io.dpft.core.nn.Parameter;
import io.dpft.core.optim.LearningRateSchedule;
import io.dpft.core.optim.Optimizer;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.privacy.accounting.PrivacyAccountant;
import io.dpft.privacy.accounting.PrivacyLedger;
import io.dpft.privacy.noise.SecureGaussian;
import io.dpft.privacy.sampling.BatchSampler;
import io.dpft.privacy.sampling.PoissonSampler;
import io.dpft.privacy.sampling.SamplingSchedule;
import io.dpft.privacy.sampling.ShuffleSampler;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Runs a {@link TrainingConfig} on a model through a {@link TrainingTask}: per step, a logical
 * batch from the sampler (Poisson with rate q = B/N by default), its physical batches through
 * {@link StepGradients} (DP-SGD or plain), one optimizer update, one ledger entry (σ, q, 1).
 * Two-phase methods switch method, gradients and optimizer at the phase boundary; the ledger
 * spans both, and the ledger records the rate the sampler actually draws with. A step runs inside
 * its own {@link PointerScope}: only Java values leave it. A non-finite loss or gradient stops
 * the run before the update is applied ({@link TrainingDivergedException}); that step stays
 * charged.
 *
 * <p>A {@link #remote} trainer has each logical batch's clipped sum computed by a
 * {@link RemoteClipping} (on Spark executors, say) instead of running the physical batches itself;
 * sampling, noise, optimizer, ledger and checkpoints stay here, the same as in one process.
 *
 * <p>Not thread-safe. {@link #close()} frees the optimizer state and accumulators (not the model).
 */
public final class Trainer<B> implements AutoCloseable {
  private final Module model;
  /** The physical batches' task; null for a remote trainer. */
  private final TrainingTask<B> task;
  /** Where the clipped sums are computed; null when this trainer computes them. */
  private final RemoteClipping remote;
  /** N, the examples the sampler draws from. */
  private final int n;
  private final TrainingConfig config;
  private final double sampleRate;
  private final long totalSteps;
  private final long firstPhaseSteps;
  private final LearningRateSchedule schedule;
  private final PrivacyLedger ledger = new PrivacyLedger();
  private final PrivacyAccountant accountant;
  private final SecureGaussian secureNoise;
  private BatchSampler sampler;
  private long step;
  private int phase = -1;
  private StepGradients gradients;
  private Optimizer optimizer;
  /** Parameters trainable in some phase entered so far: those that may differ from the start. */
  private final Set<String> changed = new HashSet<>();

  public Trainer(Module model, TrainingTask<B> task, TrainingConfig config) {
    this(model, task, null, task.size(), config);
  }

  /**
   * A DP-SGD trainer of {@code model} whose logical batches' clipped sums {@code remote}
   * computes; the caller closes {@code remote}.
   *
   * @throws IllegalArgumentException without DP (only clipped sums can be computed remotely)
   */
  public static Trainer<Void> remote(Module model, RemoteClipping remote, TrainingConfig config) {
    if (!(config.privacy() instanceof Privacy.Private)) {
      throw new IllegalArgumentException(
          "clipped sums are computed on " + remote.executors() + " for DP-SGD only; train"
              + " without DP in one process");
    }
    return new Trainer<>(model, null, remote, remote.size(), config);
  }

  private Trainer(
      Module model, TrainingTask<B> task, RemoteClipping remote, int n, TrainingConfig config) {
    this.model = model;
    this.task = task;
    this.remote = remote;
    this.n = n;
    this.config = config;
    if (config.logicalBatchSize() > n) {
      throw new IllegalArgumentException(
          "logicalBatchSize must be <= the training set size " + n + ", got "
              + config.logicalBatchSize());
    }
    this.sampleRate = SamplingSchedule.sampleRate(config.logicalBatchSize(), n);
    this.totalSteps = SamplingSchedule.ofEpochs(sampleRate, config.epochs()).steps();
    this.firstPhaseSteps =
        config.method() instanceof FineTuningMethod.TwoPhase
            ? Math.min(
                totalSteps,
                SamplingSchedule.ofEpochs(
                        sampleRate, ((FineTuningMethod.TwoPhase) config.method()).firstEpochs())
                    .steps())
            : totalSteps;
    long warmup = Math.round(config.warmupFraction() * totalSteps);
    this.schedule =
        new LearningRateSchedule(
            config.learningRate(), warmup, totalSteps, LearningRateSchedule.Decay.LINEAR);
    this.accountant =
        config.privacy() instanceof Privacy.Private
            ? ((Privacy.Private) config.privacy()).accountant().create()
            : null;
    this.secureNoise = config.seed().isPresent() ? null : SecureGaussian.secure();
    this.sampler = newSampler(n);
  }

  private BatchSampler newSampler(int n) {
    boolean seeded = config.seed().isPresent();
    long seed = config.seed().orElse(0);
    if (config.sampling() == TrainingConfig.Sampling.POISSON) {
      return seeded
          ? PoissonSampler.seeded(n, sampleRate, seed)
          : PoissonSampler.secure(n, sampleRate);
    }
    return seeded
        ? ShuffleSampler.seeded(n, config.logicalBatchSize(), seed)
        : ShuffleSampler.secure(n, config.logicalBatchSize());
  }

  /** Number of optimizer steps of the whole run: floor(epochs / q). */
  public long totalSteps() {
    return totalSteps;
  }

  /** The sampling rate q = B/N. */
  public double sampleRate() {
    return sampleRate;
  }

  /** The next step to run. */
  public long step() {
    return step;
  }

  /** The privacy history so far (empty without DP). */
  public PrivacyLedger ledger() {
    return ledger;
  }

  /** ε spent so far at the run's δ (0 without DP). */
  public double epsilonSpent() {
    if (accountant == null) {
      return 0;
    }
    return ledger.epsilon(accountant, ((Privacy.Private) config.privacy()).delta());
  }

  /** Runs every remaining step; returns false if it stopped early (privacy budget). */
  public boolean run(TrainingListener listener) {
    return run(totalSteps - step, listener);
  }

  /** Runs at most {@code steps} more steps; returns false if it stopped early. */
  public boolean run(long steps, TrainingListener listener) {
    long end = Math.min(totalSteps, step + steps);
    model.train(true);
    while (step < end) {
      enterPhaseOf(step, listener);
      String stop = budgetExceededBy(step);
      if (stop != null) {
        listener.onStop(stop);
        return false;
      }
      listener.onStep(runStep());
    }
    return true;
  }

  private int phaseOf(long s) {
    return s < firstPhaseSteps ? 0 : 1;
  }

  private void enterPhaseOf(long s, TrainingListener listener) {
    int wanted = phaseOf(s);
    if (wanted == phase) {
      return;
    }
    closePhase();
    phase = wanted;
    FineTuningMethod method = methodOf(phase);
    List<Parameter> trainable = applyMethodOf(phase);
    gradients =
        config.privacy() instanceof Privacy.Private
            ? new StepGradients.Private(
                new DpSgdEngine(
                    model, ((Privacy.Private) config.privacy()).dpSgd(), NormRules.standard()))
            : new StepGradients.NonPrivate(trainable);
    optimizer =
        Optimizer.create(
            config.optimizer(),
            gradients.parameters().stream().map(Parameter::tensor).collect(
                java.util.stream.Collectors.toList()));
    listener.onPhase(phase, method, (phase == 0 ? firstPhaseSteps : totalSteps) - s);
  }

  private FineTuningMethod methodOf(int phaseIndex) {
    return config.method().phases().get(phaseIndex);
  }

  /** Applies phase {@code phaseIndex}'s method; returns its trainable parameters. */
  private List<Parameter> applyMethodOf(int phaseIndex) {
    methodOf(phaseIndex).apply(model, config.headPrefix());
    List<Parameter> trainable = new ArrayList<>();
    model.parameters().forEach((name, p) -> {
      if (p.isTrainable()) {
        trainable.add(p);
        changed.add(name);
      }
    });
    return trainable;
  }

  /**
   * The parameters that may differ from the model the trainer was given: every parameter that
   * was trainable in some phase so far (a two-phase run's second phase keeps the first phase's
   * weight matrices here). A checkpoint of these restores the model. Owned by the model.
   */
  public Map<String, Tensor> changedParameters() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    model.parameters().forEach((name, p) -> {
      if (changed.contains(name)) {
        out.put(name, p.tensor());
      }
    });
    return out;
  }

  /** A reason to stop if taking step {@code s} would spend more than the budget, else null. */
  private String budgetExceededBy(long s) {
    if (!(config.privacy() instanceof Privacy.Private)) {
      return null;
    }
    Privacy.Private p = (Privacy.Private) config.privacy();
    if (Double.isInfinite(p.epsilonBudget())) {
      return null;
    }
    PrivacyLedger next = new PrivacyLedger(ledger.history());
    next.record(p.dpSgd().noiseMultiplier(), sampleRate, 1);
    double eps = next.epsilon(accountant, p.delta());
    if (eps > p.epsilonBudget()) {
      return String.format(
          "stopped before step %d: it would spend ε = %.4f > budget %.4f (δ = %.3g, %s)",
          s + 1, eps, p.epsilonBudget(), p.delta(), accountant.name());
    }
    return null;
  }

  private StepReport runStep() {
    long started = System.nanoTime();
    config.seed().ifPresent(seed -> torch.manual_seed(mix(seed, step))); // dropout
    int[] indices = sampler.nextBatch();
    double lr = schedule.at(step);
    StepGradients.Accumulated done;
    try (PointerScope scope = new PointerScope()) {
      done =
          remote != null
              ? ((StepGradients.Private) gradients).add(remote.clippedSums(step, indices))
              : accumulate(indices);
      double lossSum = done.lossSum();
      List<Tensor> g = gradients.gradients(config.logicalBatchSize(), noiseFor(step));
      String nonFinite =
          Double.isFinite(lossSum)
              ? nonFinite(g)
              : "training loss is not finite (" + lossSum + ")";
      if (nonFinite != null) {
        chargeStep();
        step++;
        throw new TrainingDivergedException(String.format(
            "step %d: the %s; the run stopped without applying the step (it stays charged:"
                + " ε = %.4g spent). Lower the learning rate (%s) and start a new run",
            step, nonFinite, epsilonSpent(), config.learningRate()));
      }
      optimizer.step(g, lr);
    }
    chargeStep();
    step++;
    double seconds = (System.nanoTime() - started) / 1e9;
    return new StepReport(
        step - 1,
        totalSteps,
        step * sampleRate,
        indices.length,
        indices.length == 0 ? 0 : done.lossSum() / indices.length,
        lr,
        epsilonSpent(),
        indices.length / seconds,
        done.clipping());
  }

  /** The logical batch {@code indices} through the task's physical batches, accumulated here. */
  private StepGradients.Accumulated accumulate(int[] indices) {
    double lossSum = 0;
    ClippingStats clipping = ClippingStats.EMPTY;
    for (B batch : task.physicalBatches(indices)) {
      StepGradients.Accumulated done = gradients.accumulate(() -> task.lossSum(batch));
      lossSum += done.lossSum();
      clipping = done.clipping();
    }
    return new StepGradients.Accumulated(lossSum, clipping);
  }

  /** Records one step at the sampler's own rate in the ledger (nothing without DP). */
  private void chargeStep() {
    if (config.privacy() instanceof Privacy.Private p) {
      ledger.record(p.dpSgd().noiseMultiplier(), sampler.sampleRate(), 1);
    }
  }

  /** What is not finite among the step's gradients, or null when all are. */
  private String nonFinite(List<Tensor> stepGradients) {
    List<Parameter> parameters = gradients.parameters();
    for (int i = 0; i < stepGradients.size(); i++) {
      if (!torch.isfinite(stepGradients.get(i)).all().item_bool()) {
        Parameter bad = parameters.get(i);
        return model.parameters().entrySet().stream()
            .filter(e -> e.getValue() == bad)
            .map(e -> "gradient of " + e.getKey() + " is not finite")
            .findFirst()
            .orElse("gradient is not finite");
      }
    }
    return null;
  }

  private SecureGaussian noiseFor(long s) {
    return secureNoise != null
        ? secureNoise
        : SecureGaussian.seededForReproducibility(mix(config.seed().getAsLong(), s));
  }

  /**
   * A per-step seed from the run seed (SplitMix64 finaliser), so any step is reproducible; public
   * so that a distributed driver (dpft-spark) draws a seeded run's noise as this trainer does.
   */
  public static long mix(long seed, long s) {
    long z = seed + 0x9E3779B97F4A7C15L * (s + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The state to checkpoint after the last completed step (tensors: {@link #optimizerState}). */
  public TrainingState state() {
    long optimizerSteps = optimizer == null ? 0 : optimizer.steps();
    if (sampler instanceof PoissonSampler) {
      return new TrainingState(
          step, optimizerSteps, ledger.history(), ((PoissonSampler) sampler).state(), null, "");
    }
    return new TrainingState(
        step, optimizerSteps, ledger.history(), null, ((ShuffleSampler) sampler).state(), "");
  }

  /** The optimizer's state tensors (owned by the trainer), empty before the first step. */
  public Map<String, Tensor> optimizerState() {
    return optimizer == null ? Map.of() : optimizer.state();
  }

  /**
   * Continues from a saved state: call on a fresh trainer whose model already holds the saved
   * parameters; {@code optimizerState} is copied.
   *
   * @throws IllegalArgumentException if the state does not belong to a run of this configuration
   *     (another dataset size or sampling rate, a ledger that does not charge every step taken)
   *     or the run stopped for good
   */
  public void restore(TrainingState state, Map<String, Tensor> optimizerState) {
    if (step != 0 || phase != -1) {
      throw new IllegalStateException("restore only a fresh trainer");
    }
    if (!state.stoppedBy().isEmpty()) {
      throw new IllegalArgumentException(
          "the run stopped for good and cannot be resumed (" + state.stoppedBy() + ")");
    }
    BatchSampler saved =
        state.poisson() != null
            ? new PoissonSampler(state.poisson())
            : new ShuffleSampler(state.shuffle());
    if (saved.datasetSize() != n || saved.sampleRate() != sampleRate
        || (saved instanceof PoissonSampler) != (sampler instanceof PoissonSampler)) {
      throw new IllegalArgumentException(String.format(
          "the checkpoint samples %s batches at q = %s of N = %d examples; this run would sample"
              + " %s batches at q = %s of N = %d",
          saved instanceof PoissonSampler ? "Poisson" : "shuffled", saved.sampleRate(),
          saved.datasetSize(), sampler instanceof PoissonSampler ? "Poisson" : "shuffled",
          sampleRate, n));
    }
    long charged = state.ledger().stream().mapToLong(s -> s.steps()).sum();
    boolean dp = config.privacy() instanceof Privacy.Private;
    if (dp ? charged != state.step() : charged != 0) {
      throw new IllegalArgumentException(
          "its privacy ledger charges " + charged + " steps, but the run "
              + (dp ? "took " + state.step() : "was not private"));
    }
    step = state.step();
    sampler = saved;
    state.ledger().forEach(s -> ledger.record(s.noiseMultiplier(), s.sampleRate(), s.steps()));
    int lastEntered = step == 0 ? 0 : phaseOf(Math.min(step, totalSteps) - 1);
    for (int p = 0; p <= lastEntered; p++) {
      applyMethodOf(p);
    }
    if (step < totalSteps) {
      enterPhaseOf(step, new TrainingListener() {});
      boolean samePhase = step == 0 || phaseOf(step - 1) == phase;
      if (samePhase && !optimizerState.isEmpty()) {
        optimizer.loadState(optimizerState, state.optimizerSteps());
      }
    }
  }

  private void closePhase() {
    if (optimizer != null) {
      optimizer.close();
      optimizer = null;
    }
    if (gradients != null) {
      gradients.close();
      gradients = null;
    }
  }

  @Override
  public void close() {
    closePhase();
  }
}
