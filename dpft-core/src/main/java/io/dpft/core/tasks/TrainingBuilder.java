package io.dpft.core.tasks;

import io.dpft.core.io.PretrainedModels;
import io.dpft.core.nn.Precision;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.RunOutput;
import io.dpft.core.train.TrainingConfig;
import io.dpft.core.train.TrainingListener;
import io.dpft.data.datasets.builtin.DatasetSplits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The settings every fine-tuning run has, whatever its task: method, privacy target, optimizer,
 * batch sizes, epochs, seed, run directory, resume, the data's name and a listener. The task builders ({@link
 * TextClassifierTraining}, {@link ImageClassifierTraining}, {@link GeneratorTraining}) add their
 * model and data; {@link #build()} checks everything ({@link FineTuningRun.Settings} and the
 * task's own checks) before anything is written.
 *
 * <p>Defaults: DP-BiTFiT at ε = 8 ({@link PrivacyTarget#targetEpsilon}), Adam, Poisson sampling,
 * secure noise, 32 examples per forward pass, a checkpoint after every epoch, float32; batch size,
 * epochs and learning rate taken from the {@link Recipe} for the training set's size (0 asks for
 * that).
 *
 * @param <B> the task's builder
 * @param <D> the task's dataset type
 */
public abstract class TrainingBuilder<B extends TrainingBuilder<B, D>, D> {
  private final String model;
  private final DatasetSplits<D> data;
  private final Path runDirectory;
  private String datasetName = "data";
  private FineTuningMethod method = new FineTuningMethod.BitFit(false);
  private PrivacyTarget privacy = PrivacyTarget.targetEpsilon(8);
  private double epochs;
  private int logicalBatchSize;
  private int physicalBatchSize = 32;
  private OptimizerConfig optimizer = OptimizerConfig.Adam.defaults();
  private double learningRate;
  private double warmupFraction = 0.05;
  private TrainingConfig.Sampling sampling = TrainingConfig.Sampling.POISSON;
  private OptionalLong seed = OptionalLong.empty();
  private long checkpointInterval;
  private boolean resume;
  private TrainingListener listener = new TrainingListener() {};
  private Precision precision = Precision.FP32;

  /** {@code model}: a model directory (or a bundled name where the task has them). */
  TrainingBuilder(String model, DatasetSplits<D> data, Path runDirectory) {
    this.model = Objects.requireNonNull(model, "model");
    this.data = Objects.requireNonNull(data, "data");
    this.runDirectory = Objects.requireNonNull(runDirectory, "runDirectory");
  }

  /** The name config.json records for the data (default "data"). */
  public B datasetName(String name) {
    this.datasetName = Objects.requireNonNull(name, "datasetName");
    return self();
  }

  public B method(FineTuningMethod method) {
    this.method = Objects.requireNonNull(method, "method");
    return self();
  }

  /** {@link PrivacyTarget#targetEpsilon}, a {@link PrivacyTarget.FixedNoise} or none. */
  public B privacy(PrivacyTarget privacy) {
    this.privacy = Objects.requireNonNull(privacy, "privacy");
    return self();
  }

  /** Passes over the training set; 0 (the default) for the recipe's. */
  public B epochs(double epochs) {
    this.epochs = epochs;
    return self();
  }

  /** The expected logical batch size B (q = B/N); 0 (the default) for the recipe's. */
  public B logicalBatchSize(int logicalBatchSize) {
    this.logicalBatchSize = logicalBatchSize;
    return self();
  }

  /** Most examples per forward pass; bounds memory, not the result. */
  public B physicalBatchSize(int physicalBatchSize) {
    this.physicalBatchSize = physicalBatchSize;
    return self();
  }

  /** The optimizer and its peak learning rate (0 for the recipe's). */
  public B optimizer(OptimizerConfig optimizer, double learningRate) {
    this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
    this.learningRate = learningRate;
    return self();
  }

  /** The fraction of steps of linear warm-up (default 0.05). */
  public B warmupFraction(double warmupFraction) {
    this.warmupFraction = warmupFraction;
    return self();
  }

  public B sampling(TrainingConfig.Sampling sampling) {
    this.sampling = Objects.requireNonNull(sampling, "sampling");
    return self();
  }

  /** Reproducible sampling and noise: NOT private against whoever knows the seed. */
  public B seed(long seed) {
    this.seed = OptionalLong.of(seed);
    return self();
  }

  /** Steps between checkpoints; 0 (the default) for one after every epoch. */
  public B checkpointInterval(long steps) {
    this.checkpointInterval = steps;
    return self();
  }

  /**
   * Continues the run in the run directory from its checkpoint, with its privacy ledger; the
   * settings must be the run's own. Without it the directory must not hold a run.
   */
  public B resume() {
    this.resume = true;
    return self();
  }

  /**
   * The precision of linear products (default {@link Precision#FP32}); the run
   * uses what {@link Precision#onThisCpu} allows.
   */
  public B precision(Precision precision) {
    this.precision = Objects.requireNonNull(precision, "precision");
    return self();
  }

  /** Told of every phase, step and early stop. */
  public B listener(TrainingListener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
    return self();
  }

  /**
   * The run, every setting checked.
   *
   * @throws IllegalArgumentException naming the first setting out of range, or the model or data
   *     that do not fit the task
   */
  public final Training build() throws IOException {
    FineTuningRun.Settings settings =
        new FineTuningRun.Settings(method, epochs, logicalBatchSize, physicalBatchSize, optimizer,
            learningRate, warmupFraction, privacy, sampling, seed,
            new RunOutput(checkpointInterval, true, Map.of()), precision);
    return new Training(job(), settings, runDirectory, resume, listener);
  }

  /** The task's job with its model and data, checked. */
  abstract Training.Job job() throws IOException;

  final String model() {
    return model;
  }

  /** The model's directory, a bundled model converted first ({@link PretrainedModels#resolve}). */
  final Path modelDirectory() throws IOException {
    return PretrainedModels.fromEnvironment().resolve(model);
  }

  final DatasetSplits<D> data() {
    return data;
  }

  final String datasetName() {
    return datasetName;
  }

  /** Refuses a training set without examples, naming its source. */
  static void checkHasExamples(String source, int size) {
    if (size == 0) {
      throw new IllegalArgumentException("the training data " + source + " has no examples");
    }
  }

  @SuppressWarnings("unchecked") // B is the subclass itself
  private B self() {
    return (B) this;
  }
}
