package io.dpft.core.tasks;

import io.dpft.core.dp.Clipping;
import io.dpft.core.io.PretrainedModels;
import io.dpft.core.models.BertModel;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.RunOutput;
import io.dpft.core.train.TrainingConfig;
import io.dpft.core.train.TrainingListener;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.privacy.accounting.AccountantKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A text-classification fine-tuning run for library users: what {@code dpft train} does, built
 * with named settings and validated at {@link Builder#build()} (σ calibrated for ε = 8 at δ =
 * 1/N^1.1, DP-BiTFiT, Adam, Poisson sampling and secure noise unless set otherwise).
 *
 * <pre>{@code
 * FineTuningRun.Result result =
 *     TextClassifierTraining.builder(Path.of("models/minilm"), splits, Path.of("runs/reviews"))
 *         .method(new FineTuningMethod.BitFit(false))
 *         .privacy(TextClassifierTraining.targetEpsilon(3))
 *         .epochs(3)
 *         .build()
 *         .run();
 * }</pre>
 */
public final class TextClassifierTraining {
  private final TextClassificationJob.Spec job;
  private final FineTuningRun.Settings settings;
  private final Path runDirectory;
  private final TrainingListener listener;

  private TextClassifierTraining(Builder b, FineTuningRun.Settings settings, Path modelDirectory) {
    this.job = new TextClassificationJob.Spec(
        b.model, modelDirectory, b.datasetName, b.data, b.maxLength, b.pooling);
    this.settings = settings;
    this.runDirectory = b.runDirectory;
    this.listener = b.listener;
  }

  /**
   * A run of {@code model} (a bundled name or a Hugging Face BERT/RoBERTa directory) on {@code
   * data}, written to {@code runDirectory} (which must not hold a run yet).
   */
  public static Builder builder(Path model, DatasetSplits<TextDataset> data, Path runDirectory) {
    return new Builder(model.toString(), data, runDirectory);
  }

  /** As {@link #builder(Path, DatasetSplits, Path)} with a bundled model's name. */
  public static Builder builder(String model, DatasetSplits<TextDataset> data, Path runDirectory) {
    return new Builder(model, data, runDirectory);
  }

  /** DP at a target ε: σ calibrated for the whole run, δ = 1/N^1.1, C = 1, Abadi clipping, RDP. */
  public static PrivacyTarget targetEpsilon(double epsilon) {
    return new PrivacyTarget.TargetEpsilon(
        epsilon, 0, 1.0, new Clipping.Abadi(), AccountantKind.RDP);
  }

  /** Trains, reporting each step to the listener; see {@link TextClassificationJob#run}. */
  public FineTuningRun.Result run() throws IOException {
    return TextClassificationJob.run(job, settings, runDirectory, false, listener);
  }

  /** Named settings with defaults; {@link #build()} checks them all. */
  public static final class Builder {
    private final String model;
    private final DatasetSplits<TextDataset> data;
    private final Path runDirectory;
    private String datasetName = "data";
    private FineTuningMethod method = new FineTuningMethod.BitFit(false);
    private PrivacyTarget privacy = targetEpsilon(8);
    private double epochs = 3;
    private int batchSize = 128;
    private int physicalBatchSize = 32;
    private OptimizerConfig optimizer = OptimizerConfig.Adam.defaults();
    private double learningRate = 5e-3;
    private double warmupFraction = 0.05;
    private TrainingConfig.Sampling sampling = TrainingConfig.Sampling.POISSON;
    private OptionalLong seed = OptionalLong.empty();
    private int maxLength = 64;
    private BertModel.Pooling pooling = BertModel.Pooling.MEAN;
    private TrainingListener listener = new TrainingListener() {};

    private Builder(String model, DatasetSplits<TextDataset> data, Path runDirectory) {
      this.model = Objects.requireNonNull(model, "model");
      this.data = Objects.requireNonNull(data, "data");
      this.runDirectory = Objects.requireNonNull(runDirectory, "runDirectory");
    }

    /** The name config.json records for the data (default "data"). */
    public Builder datasetName(String name) {
      this.datasetName = Objects.requireNonNull(name, "datasetName");
      return this;
    }

    public Builder method(FineTuningMethod method) {
      this.method = Objects.requireNonNull(method, "method");
      return this;
    }

    /** {@link PrivacyTarget.TargetEpsilon}, {@link PrivacyTarget.FixedNoise} or none. */
    public Builder privacy(PrivacyTarget privacy) {
      this.privacy = Objects.requireNonNull(privacy, "privacy");
      return this;
    }

    public Builder epochs(double epochs) {
      this.epochs = epochs;
      return this;
    }

    /** The expected logical batch size B (q = B/N). */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Most examples per forward pass; bounds memory. */
    public Builder physicalBatchSize(int physicalBatchSize) {
      this.physicalBatchSize = physicalBatchSize;
      return this;
    }

    public Builder optimizer(OptimizerConfig optimizer, double learningRate) {
      this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
      this.learningRate = learningRate;
      return this;
    }

    public Builder warmupFraction(double warmupFraction) {
      this.warmupFraction = warmupFraction;
      return this;
    }

    public Builder sampling(TrainingConfig.Sampling sampling) {
      this.sampling = Objects.requireNonNull(sampling, "sampling");
      return this;
    }

    /** Reproducible sampling and noise: NOT private against whoever knows the seed. */
    public Builder seed(long seed) {
      this.seed = OptionalLong.of(seed);
      return this;
    }

    public Builder maxLength(int maxLength) {
      this.maxLength = maxLength;
      return this;
    }

    public Builder pooling(BertModel.Pooling pooling) {
      this.pooling = Objects.requireNonNull(pooling, "pooling");
      return this;
    }

    /** Told of every phase, step and early stop. */
    public Builder listener(TrainingListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * The run, every setting checked.
     *
     * @throws IllegalArgumentException naming the first setting out of range, or a model that is
     *     neither a bundled name nor a directory
     */
    public TextClassifierTraining build() throws IOException {
      positive("epochs", epochs);
      positive("batchSize", batchSize);
      positive("learningRate", learningRate);
      positive("maxLength", maxLength);
      if (!(warmupFraction >= 0 && warmupFraction < 1)) {
        throw new IllegalArgumentException("warmupFraction must be in [0, 1), got " + warmupFraction);
      }
      if (data.train().size() == 0) {
        throw new IllegalArgumentException("the training data " + data.train().source()
            + " has no examples");
      }
      FineTuningRun.Settings settings = new FineTuningRun.Settings(method, epochs, batchSize,
          physicalBatchSize, optimizer, learningRate, warmupFraction, privacy, sampling, seed,
          RunOutput.defaults());
      return new TextClassifierTraining(
          this, settings, PretrainedModels.fromEnvironment().resolve(model));
    }

    private static void positive(String name, double value) {
      if (!(value > 0)) {
        throw new IllegalArgumentException(name + " must be > 0, got " + value);
      }
    }
  }
}
