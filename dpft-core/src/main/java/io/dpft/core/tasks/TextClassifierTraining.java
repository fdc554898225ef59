package io.dpft.core.tasks;

import io.dpft.core.models.BertModel;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.builtin.DatasetSplits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A text-classification fine-tuning run for library users: what {@code dpft train} does, built
 * with named settings ({@link TrainingBuilder}) and checked at {@code build()}.
 *
 * <pre>{@code
 * FineTuningRun.Result result =
 *     TextClassifierTraining.builder(Path.of("models/minilm"), splits, Path.of("runs/reviews"))
 *         .method(new FineTuningMethod.BitFit(false))
 *         .privacy(PrivacyTarget.targetEpsilon(3))
 *         .build()
 *         .run();
 * }</pre>
 */
public final class TextClassifierTraining {
  private TextClassifierTraining() {}

  /**
   * A run of {@code model} (a Hugging Face BERT/RoBERTa directory) on {@code data}, written to
   * {@code runDirectory}.
   */
  public static Builder builder(Path model, DatasetSplits<TextDataset> data, Path runDirectory) {
    return new Builder(model.toString(), data, runDirectory);
  }

  /** As {@link #builder(Path, DatasetSplits, Path)} with a bundled model's name. */
  public static Builder builder(String model, DatasetSplits<TextDataset> data, Path runDirectory) {
    return new Builder(model, data, runDirectory);
  }

  /** The model and data; the settings every task has are {@link TrainingBuilder}'s. */
  public static final class Builder extends TrainingBuilder<Builder, TextDataset> {
    private int maxLength = 64;
    private BertModel.Pooling pooling = BertModel.Pooling.MEAN;

    private Builder(String model, DatasetSplits<TextDataset> data, Path runDirectory) {
      super(model, data, runDirectory);
    }

    /** Texts are cut to this many tokens (default 64). */
    public Builder maxLength(int maxLength) {
      this.maxLength = maxLength;
      return this;
    }

    /** How the encoder's tokens become one vector (default mean). */
    public Builder pooling(BertModel.Pooling pooling) {
      this.pooling = Objects.requireNonNull(pooling, "pooling");
      return this;
    }

    @Override
    Training.Job job() throws IOException {
      if (maxLength < 1) {
        throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
      }
      checkHasExamples(data().train().source(), data().train().size());
      TextClassificationJob.Spec spec = new TextClassificationJob.Spec(
          model(), modelDirectory(), datasetName(), data(), maxLength, pooling);
      return (settings, runDirectory, resume, listener) ->
          TextClassificationJob.run(spec, settings, runDirectory, resume, listener);
    }
  }
}
