package io.dpft.core.bench;

import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.io.PretrainedModels;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.PretrainedBert;
import io.dpft.core.nn.Precision;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.tasks.SequenceClassificationTask;
import io.dpft.core.train.Privacy;
import io.dpft.data.batching.EncodedTextDataset;
import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.noise.SecureGaussian;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;

/**
 * Runs a {@link BenchConfig}: its configurations one after another in this process, each on a
 * freshly loaded model (pretrained weights, fresh 2-label head, mean pooling) and the same
 * synthetic batch. Per configuration: {@code warmup} untimed steps, {@code steps} timed ones
 * (samples/s from the median step), and the peak resident memory of the configuration alone
 * ({@link PeakRss}: reset after the model is loaded and memory that nothing uses any more is
 * returned to the operating system, so an earlier, larger configuration does not count).
 *
 * <p>A step is the trainer's own step ({@link TrainerStep}) with the config's optimizer; DP runs
 * use all-layer Abadi clipping at C = {@code maxGradNorm} and noise σ = {@code noiseMultiplier}
 * from the secure generator, as training does. The per-example baseline runs the same
 * computation one example at a time ({@link PerExampleStep}).
 */
public final class Benchmark {
  /** Parameters under this prefix are the task head, trained by every method. */
  static final String HEAD_PREFIX = "classifier";
  /** Any positive value: the learning rate changes no cost. */
  private static final double LEARNING_RATE = 1e-5;
  private static final double DELTA = 1e-5;

  /** Builds a fresh model for each configuration. */
  @FunctionalInterface
  public interface ModelSource {
    /**
     * A new sequence classifier with {@value SyntheticBatch#LABELS} labels and this hidden and
     * attention dropout; the caller closes it.
     */
    BertModel load(double dropout) throws IOException;
  }

  /** Progress of a run. */
  public interface Listener {
    /** A human-readable progress line. */
    default void progress(String line) {}

    /** A configuration finished. */
    default void result(BenchResult result) {}
  }

  private final ModelSource models;

  public Benchmark(ModelSource models) {
    this.models = models;
  }

  /**
   * Runs {@code config} on its pretrained model ({@link PretrainedModels#fromEnvironment()}
   * resolves the name, converting a bundled model on first use).
   */
  public static List<BenchResult> run(BenchConfig config, Listener listener) throws IOException {
    Path directory = PretrainedModels.fromEnvironment().resolve(config.model());
    BertModel.Options head =
        BertModel.Options.sequenceClassification(SyntheticBatch.LABELS, BertModel.Pooling.MEAN);
    return new Benchmark(dropout -> PretrainedBert.load(
            directory, head, bert -> bert.withDropout(dropout, dropout)).model())
        .measure(config, listener);
  }

  /** Runs every configuration of {@code config} on models from this benchmark's source. */
  public List<BenchResult> measure(BenchConfig config, Listener listener) throws IOException {
    List<BenchConfig.Case> cases = config.cases();
    List<BenchResult> results = new ArrayList<>();
    for (int k = 0; k < cases.size(); k++) {
      BenchConfig.Case c = cases.get(k);
      listener.progress(String.format("[%d/%d] %s, dp %s: loading %s", k + 1, cases.size(),
          c.method().cliName(), c.dp() ? "on" : "off", config.model()));
      BenchResult result = runCase(config, c, listener);
      listener.progress(String.format("[%d/%d] %s, dp %s: %.2f samples/s, peak RSS %.0f MiB",
          k + 1, cases.size(), c.method().cliName(), c.dp() ? "on" : "off",
          result.samplesPerSecond(), result.peakRssMb()));
      listener.result(result);
      results.add(result);
    }
    return results;
  }

  private BenchResult runCase(BenchConfig config, BenchConfig.Case c, Listener listener)
      throws IOException {
    try (BertModel model = models.load(config.dropout())) {
      model.setPrecision(Precision.onThisCpu(config.precision()));
      c.method().fineTuningMethod().extend(model);
      releaseUnreachableMemory();
      EncodedTextDataset data =
          SyntheticBatch.of(model.config(), config.batchSize(), config.seqLength(), config.seed());
      List<Double> seconds = new ArrayList<>();
      try (SequenceClassificationTask task =
              new SequenceClassificationTask(
                  model, data, config.batchSize(), model.config().padTokenId(), config.seed());
          PeakRss rss = PeakRss.start();
          BenchStep step = newStep(config, c, model, task)) {
        int total = config.warmup() + config.steps();
        for (int s = 0; s < total; s++) {
          long started = System.nanoTime();
          step.run();
          double elapsed = (System.nanoTime() - started) / 1e9;
          boolean timed = s >= config.warmup();
          if (timed) {
            seconds.add(elapsed);
          }
          listener.progress(String.format("    step %d/%d%s: %.3f s", s + 1, total,
              timed ? "" : " (warm-up)", elapsed));
        }
        long peak = rss.peakBytes();
        return new BenchResult(
            config.model(),
            c.method(),
            c.dp(),
            config.batchSize(),
            config.seqLength(),
            config.warmup(),
            seconds,
            BenchResult.samplesPerSecond(config.batchSize(), seconds),
            peak / (double) (1 << 20),
            rss.startBytes() / (double) (1 << 20),
            rss.source().label(),
            config.optimizer().cliName(),
            config.dropout(),
            model.precision());
      }
    }
  }

  /**
   * Returns memory that nothing uses any more to the operating system, so a section's RSS starts
   * from what is live: a full GC unmaps the weight files' memory-mapped buffers of this and earlier
   * loads (their pages count in RSS until then), and {@code malloc_trim} gives back native memory
   * freed by earlier configurations.
   */
  private static void releaseUnreachableMemory() {
    System.gc();
    Pointer.trimMemory();
  }

  private static BenchStep newStep(
      BenchConfig config, BenchConfig.Case c, BertModel model, SequenceClassificationTask task) {
    DpSgdConfig dp = DpSgdConfig.abadi(config.noiseMultiplier(), config.maxGradNorm());
    OptimizerConfig optimizer = config.optimizer().config();
    if (c.method() == BenchMethod.PER_EXAMPLE) {
      return new PerExampleStep(model, task, dp, optimizer, LEARNING_RATE, SecureGaussian.secure());
    }
    Privacy privacy =
        c.dp()
            ? new Privacy.Private(dp, DELTA, AccountantKind.RDP, Double.POSITIVE_INFINITY)
            : new Privacy.NonPrivate();
    return new TrainerStep(
        model,
        task,
        c.method().fineTuningMethod(),
        privacy,
        optimizer,
        LEARNING_RATE,
        config.warmup() + config.steps());
  }
}
