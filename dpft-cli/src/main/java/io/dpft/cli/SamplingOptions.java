package io.dpft.cli;

import io.dpft.privacy.sampling.SamplingSchedule;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * How examples are sampled, given either way users think of it: the rate as {@code --sample-rate Q}
 * or as {@code --batch-size B --dataset-size N} (q = B/N), and the length as {@code --steps T} or
 * {@code --epochs E} (T = ⌊E/q⌋). Each pair is an exclusive, required group, so picocli rejects
 * both or neither; the values themselves are checked by {@link SamplingSchedule}.
 */
final class SamplingOptions {

  @ArgGroup(
      exclusive = true,
      multiplicity = "1",
      heading = "%nSampling rate (one of):%n",
      order = 10)
  private Rate rate;

  @ArgGroup(
      exclusive = true,
      multiplicity = "1",
      heading = "%nLength of training (one of):%n",
      order = 20)
  private Length length;

  /** The schedule these options describe; throws IllegalArgumentException for bad values. */
  SamplingSchedule schedule() {
    double sampleRate =
        rate.sampleRate != null
            ? rate.sampleRate
            : SamplingSchedule.sampleRate(rate.batch.batchSize, rate.batch.datasetSize);
    return length.steps != null
        ? new SamplingSchedule(sampleRate, length.steps)
        : SamplingSchedule.ofEpochs(sampleRate, length.epochs);
  }

  private static final class Rate {
    @Option(
        names = "--sample-rate",
        paramLabel = "Q",
        order = 11,
        description =
            "Poisson sampling rate q: the probability that an example joins a batch, in (0, 1]")
    private Double sampleRate;

    @ArgGroup(exclusive = false, multiplicity = "1")
    private BatchOfDataset batch;
  }

  private static final class BatchOfDataset {
    @Option(
        names = "--batch-size",
        paramLabel = "B",
        required = true,
        order = 12,
        description = "expected (logical) batch size in examples, with --dataset-size: q = B/N")
    private long batchSize;

    @Option(
        names = "--dataset-size",
        paramLabel = "N",
        required = true,
        order = 13,
        description = "number of training examples N, at least B")
    private long datasetSize;
  }

  private static final class Length {
    @Option(
        names = "--steps",
        paramLabel = "T",
        order = 21,
        description = "number of noisy steps (logical batches), at least 1")
    private Long steps;

    @Option(
        names = "--epochs",
        paramLabel = "E",
        order = 22,
        description = "passes over the data, > 0 (may be fractional): T = floor(E/q) steps")
    private Double epochs;
  }
}
