package io.dpft.core.tasks;

import io.dpft.data.batching.CausalLmExample;
import io.dpft.data.tokenize.TextTokenizer;
import java.util.Arrays;
import java.util.Objects;

/**
 * How a causal LM run turns text into token ids, the same in training, evaluation and
 * prediction: the prompt's tokens followed by the end-of-text token as the separator between
 * table and text (GPT-2's BOS and EOS are one token), and the target's tokens, with a leading
 * space (GPT-2's byte-level BPE marks word starts with it), followed by EOS so that the model
 * learns where to stop. This is the layout of Li and Liang's (2021, "Prefix-Tuning", ACL)
 * table-to-text data. Special tokens are not added by the tokenizer.
 */
public final class PromptEncoding {
  private final TextTokenizer tokenizer;
  private final long eos;

  /** @param eos the model's end-of-text token id ({@code eos_token_id} of its config.json) */
  public PromptEncoding(TextTokenizer tokenizer, long eos) {
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.eos = eos;
  }

  /** The prompt's token ids followed by EOS: what generation continues from. */
  public long[] promptIds(String prompt) {
    return withEos(prompt);
  }

  /** A training example: condition on {@code prompt}, learn {@code target} and EOS. */
  public CausalLmExample example(String prompt, String target) {
    return new CausalLmExample(promptIds(prompt), withEos(" " + target));
  }

  /** Generated ids as text, special tokens dropped, surrounding whitespace removed. */
  public String decode(long[] ids) {
    return tokenizer.decode(ids, true).strip();
  }

  private long[] withEos(String text) {
    long[] ids = tokenizer.tokenIds(text);
    long[] out = Arrays.copyOf(ids, ids.length + 1);
    out[ids.length] = eos;
    return out;
  }
}
