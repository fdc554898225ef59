package io.dpft.core.models;

import io.dpft.core.io.NameMapping;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads a Hugging Face GPT-2 directory ({@code config.json} + safetensors) into a {@link
 * Gpt2Model}. Tensor names are those of {@code GPT2LMHeadModel} ({@code transformer.h.0.attn.c_attn
 * .weight}) or of the bare {@code GPT2Model} ({@code h.0.attn.c_attn.weight}, as in
 * {@code openai-community/gpt2}); the LM head is tied to {@code transformer.wte.weight}, so a
 * stored {@code lm_head.weight} and the attention-mask buffers ({@code h.N.attn.bias}) of older
 * exports are not read. Every parameter must be in the file.
 */
public final class PretrainedGpt2 {
  /** Adds the {@code transformer.} prefix that checkpoints saved from a bare GPT2Model lack. */
  static final NameMapping BARE_MODEL_PREFIX =
      new NameMapping(List.of(new NameMapping.Rename("", "transformer.")));

  private PretrainedGpt2() {}

  /**
   * @throws IllegalArgumentException when {@code config.json} is missing or invalid, or a tensor
   *     is missing or has the wrong shape (the message names the directory and the tensors)
   */
  public static Gpt2Model load(Path directory) throws IOException {
    Gpt2Model model = new Gpt2Model(Gpt2Config.read(PretrainedWeights.configFile(directory)));
    PretrainedWeights.load(directory, model, BARE_MODEL_PREFIX, List.of());
    return model;
  }
}
