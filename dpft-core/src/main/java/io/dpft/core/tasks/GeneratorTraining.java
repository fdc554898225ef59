package io.dpft.core.tasks;

import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.data.datasets.table.TableToTextDataset;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A causal-LM (GPT-2) fine-tuning run on table-to-text data for library users: what {@code dpft
 * train --task causal-lm} does ({@link CausalLmJob}), built with named settings ({@link
 * TrainingBuilder}) and checked at {@code build()}.
 *
 * <pre>{@code
 * FineTuningRun.Result result =
 *     GeneratorTraining.builder(Path.of("models/gpt2"), splits, Path.of("runs/e2e"))
 *         .privacy(PrivacyTarget.targetEpsilon(3))
 *         .evalPrompts(50)
 *         .build()
 *         .run();
 * }</pre>
 */
public final class GeneratorTraining {
  private GeneratorTraining() {}

  /**
   * A run of the Hugging Face GPT-2 in {@code model} (with {@code tokenizer.json}) on {@code
   * data}, written to {@code runDirectory}.
   */
  public static Builder builder(
      Path model, DatasetSplits<TableToTextDataset> data, Path runDirectory) {
    return new Builder(model, data, runDirectory);
  }

  /**
   * The model and data, and how evaluation generates (see {@link CausalLmJob.Spec}); the
   * settings every task has are {@link TrainingBuilder}'s.
   */
  public static final class Builder extends TrainingBuilder<Builder, TableToTextDataset> {
    private int maxLength = 64;
    private int evalPrompts = 100;
    private int maxNewTokens = 64;

    private Builder(Path model, DatasetSplits<TableToTextDataset> data, Path runDirectory) {
      super(model.toString(), data, runDirectory);
    }

    /** Training rows (prompt and target) are cut to this many tokens (default 64). */
    public Builder maxLength(int maxLength) {
      this.maxLength = maxLength;
      return this;
    }

    /** Distinct prompts generated for at most per evaluation, the first ones (default 100). */
    public Builder evalPrompts(int evalPrompts) {
      this.evalPrompts = evalPrompts;
      return this;
    }

    /** Tokens generated at most per prompt when evaluating (default 64). */
    public Builder maxNewTokens(int maxNewTokens) {
      this.maxNewTokens = maxNewTokens;
      return this;
    }

    @Override
    Training.Job job() throws IOException {
      checkHasExamples(data().train().source(), data().train().size());
      CausalLmJob.Spec spec = new CausalLmJob.Spec(model(), modelDirectory(), datasetName(),
          data().train(), data().validation(), data().test(), maxLength, evalPrompts,
          maxNewTokens);
      return (settings, runDirectory, resume, listener) ->
          CausalLmJob.run(spec, settings, runDirectory, resume, listener);
    }
  }
}
