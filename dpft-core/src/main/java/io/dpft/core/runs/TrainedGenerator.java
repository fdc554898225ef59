package io.dpft.core.runs;

import io.dpft.core.models.Gpt2Model;
import io.dpft.core.models.PretrainedGpt2;
import io.dpft.core.tasks.PromptEncoding;
import io.dpft.core.tasks.TextGeneration;
import io.dpft.core.train.RunManifest;
import io.dpft.data.tokenize.TextTokenizer;
import io.dpft.data.tokenize.TokenizerOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The GPT-2 a causal-lm training run produced, rebuilt from its run directory: the pretrained
 * model (config.json's {@code model_dir}, or the one given) with the checkpoint's trained
 * parameters copied over it, and its tokenizer at the run's {@code max_length}, encoding prompts
 * as training did ({@link PromptEncoding}). Holds native memory, so close it.
 */
public final class TrainedGenerator implements TrainedModel {
  private final Path runDirectory;
  private final RunManifest manifest;
  private final Gpt2Model model;
  private final TextTokenizer tokenizer;

  private TrainedGenerator(
      Path runDirectory, RunManifest manifest, Gpt2Model model, TextTokenizer tokenizer) {
    this.runDirectory = runDirectory;
    this.manifest = manifest;
    this.model = model;
    this.tokenizer = tokenizer;
  }

  /**
   * Loads the run in {@code runDirectory}.
   *
   * @param modelOverride a model directory to use instead of the run's, or null
   * @throws IllegalArgumentException naming the file at fault when the directory is not a finished
   *     run, or the checkpoint does not fit the model
   */
  public static TrainedGenerator load(Path runDirectory, String modelOverride) throws IOException {
    RunDirectory run = RunDirectory.open(runDirectory);
    Path trainable = run.trainableParameters();
    RunManifest manifest = run.manifest();
    Path modelDir = TrainedParameters.modelDirectory(manifest, modelOverride);
    Gpt2Model model = TrainedParameters.withTrainedParameters(
        PretrainedGpt2.load(modelDir), manifest, trainable, modelDir, List.of());
    try {
      return new TrainedGenerator(runDirectory, manifest, model,
          TextTokenizer.load(modelDir, TokenizerOptions.truncating(manifest.maxLength())));
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  @Override
  public Path runDirectory() {
    return runDirectory;
  }

  /** Generation with this run's model, prompts encoded as in training. */
  public TextGeneration generation(int maxNewTokens, int numBeams) {
    PromptEncoding encoding = new PromptEncoding(tokenizer, model.config().eosTokenId());
    return new TextGeneration(model, encoding::promptIds, encoding::decode,
        new TextGeneration.Settings(maxNewTokens, numBeams, TrainedParameters.batchSize(manifest)));
  }

  @Override
  public void close() {
    tokenizer.close();
    model.close();
  }
}
