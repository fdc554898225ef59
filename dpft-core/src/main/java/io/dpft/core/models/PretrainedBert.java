package io.dpft.core.models;

import io.dpft.core.io.NameMapping;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Loads a Hugging Face BERT/RoBERTa directory ({@code config.json} + safetensors) into a
 * {@link BertModel}, possibly with a fresh task head: the head ({@code classifier.*}, and the
 * pooler when the checkpoint has none) keeps its initialisation; any other missing tensor is an
 * error.
 */
public final class PretrainedBert {
  private static final List<String> HEAD = List.of("classifier.", "pooler.");

  private PretrainedBert() {}

  /** The loaded model and the names of the parameters that kept their fresh initialisation. */
  public record Loaded(BertModel model, List<String> freshlyInitialised) {}

  public static Loaded load(Path directory, BertModel.Options options) throws IOException {
    return load(directory, options, UnaryOperator.identity());
  }

  /** As {@link #load(Path, BertModel.Options)}, with the directory's config changed first. */
  public static Loaded load(Path directory, BertModel.Options options,
      UnaryOperator<BertConfig> adjust) throws IOException {
    BertModel model = new BertModel(
        adjust.apply(BertConfig.read(PretrainedWeights.configFile(directory))), options);
    return new Loaded(model, PretrainedWeights.load(
        directory, model, NameMapping.HF_ENCODER_PREFIXES, HEAD));
  }
}
