package io.dpft.core.models;

import io.dpft.core.nn.KeyValueCache;
import java.nio.DoubleBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Text generation with a {@link Gpt2Model}: greedy decoding and beam search, both incremental
 * (each step feeds only the new tokens, earlier keys and values come from a
 * {@link KeyValueCache}).
 *
 * <p>Both generate exactly {@code maxNewTokens} tokens and do not stop at EOS; callers cut the
 * output at the first EOS if they want to. Inputs and outputs are Java arrays: every tensor of a
 * step lives in that step's {@code PointerScope}, the cache is closed at the end.
 */
public final class Gpt2Generation {
  private Gpt2Generation() {}

  /**
   * A finished beam.
   *
   * @param tokenIds the prompt followed by the generated tokens
   * @param score the sum of the generated tokens' log-probabilities {@code Σ_t log p(y_t | y_<t)}
   */
  public record Hypothesis(long[] tokenIds, double score) {
    public Hypothesis {
      tokenIds = tokenIds.clone();
    }

    @Override
    public long[] tokenIds() {
      return tokenIds.clone();
    }
  }

  /**
   * Greedy decoding: each step appends the most probable next token of every row.
   *
   * @param promptIds {@code (B, T)} prompts, left-padded to a common length
   * @param attentionMask {@code (B, T)}, 1 for tokens and 0 for the leading padding
   * @return {@code (B, T + maxNewTokens)}: each prompt (with its padding) and its new tokens
   * @throws IllegalArgumentException for ragged or right-padded prompts, a non-positive
   *     {@code maxNewTokens} or a total length above {@code n_positions}
   * @throws IllegalStateException if the model is in training mode (dropout would be active)
   */
  public static long[][] greedy(Gpt2Model model, long[][] promptIds, long[][] attentionMask,
      int maxNewTokens) {
    int batch = promptIds.length;
    checkArguments(model, promptIds, attentionMask, maxNewTokens);
    long[][] ids = copy(promptIds);
    long[][] mask = copy(attentionMask);
    long[][] next = ids;
    try (NoGradGuard noGrad = new NoGradGuard(); KeyValueCache cache = model.newCache()) {
      for (int step = 0; step < maxNewTokens; step++) {
        try (PointerScope scope = new PointerScope()) {
          Tensor logits = nextTokenLogits(model, next, mask, cache); // (B, V)
          long[] tokens = longs(logits.argmax(new LongOptional(1), false));
          next = new long[batch][];
          for (int b = 0; b < batch; b++) {
            ids[b] = append(ids[b], tokens[b]);
            mask[b] = append(mask[b], 1);
            next[b] = new long[] {tokens[b]};
          }
        }
      }
    }
    return ids;
  }

  /**
   * Beam search (Graves, "Sequence Transduction with Recurrent Neural Networks", 2012, §3): keep
   * the {@code numBeams} highest-scoring sequences. A sequence's score is the sum of its generated
   * tokens' log-probabilities, without length penalty. Starting from the prompt alone (score 0),
   * each step scores every (beam, next token) pair by {@code score + log p(token | beam)} and keeps
   * the {@code numBeams} best pairs as the new beams.
   *
   * @param prompt the prompt's token ids (no padding)
   * @return the final {@code numBeams} hypotheses, best first
   * @throws IllegalArgumentException for an empty prompt, {@code numBeams} outside
   *     {@code [1, vocab_size]}, a non-positive {@code maxNewTokens} or a total length above
   *     {@code n_positions}
   * @throws IllegalStateException if the model is in training mode
   */
  public static List<Hypothesis> beamSearch(Gpt2Model model, long[] prompt, int numBeams,
      int maxNewTokens) {
    int vocab = model.config().vocabSize();
    if (numBeams < 1 || numBeams > vocab) {
      throw new IllegalArgumentException("numBeams must be in [1, vocab_size=" + vocab
          + "], got " + numBeams);
    }
    long[][] beams = {prompt.clone()};
    long[][] ones = {filled(prompt.length, 1)};
    checkArguments(model, beams, ones, maxNewTokens);
    double[] scores = {0.0};
    long[][] next = beams;
    try (NoGradGuard noGrad = new NoGradGuard(); KeyValueCache cache = model.newCache()) {
      for (int step = 0; step < maxNewTokens; step++) {
        try (PointerScope scope = new PointerScope()) {
          int width = beams[0].length;
          long[][] mask = new long[beams.length][];
          Arrays.setAll(mask, b -> filled(width, 1));
          Tensor logProbs = torch.log_softmax(nextTokenLogits(model, next, mask, cache), 1)
              .to(torch.ScalarType.Double); // (beams, V)
          Tensor candidates = logProbs.add(Tensor.create(scores, scores.length, 1)).view(-1);
          T_TensorTensor_T best = candidates.topk(numBeams, 0, true, true);
          double[] bestScores = doubles(best.get0());
          long[] bestIndices = longs(best.get1());
          long[] rows = new long[numBeams];
          long[][] survivors = new long[numBeams][];
          next = new long[numBeams][];
          for (int k = 0; k < numBeams; k++) {
            rows[k] = bestIndices[k] / vocab;
            long token = bestIndices[k] % vocab;
            survivors[k] = append(beams[(int) rows[k]], token);
            next[k] = new long[] {token};
          }
          cache.reorder(Tensor.create(rows, numBeams));
          beams = survivors;
          scores = bestScores;
        }
      }
    }
    List<Hypothesis> out = new ArrayList<>(numBeams);
    for (int k = 0; k < numBeams; k++) {
      out.add(new Hypothesis(beams[k], scores[k]));
    }
    return out;
  }

  /** Feeds {@code tokens} {@code (B, T)} and returns the logits after the last one, {@code (B, V)}. */
  private static Tensor nextTokenLogits(Gpt2Model model, long[][] tokens, long[][] mask,
      KeyValueCache cache) {
    Tensor hidden = model.forward(tensor(tokens), tensor(mask), cache); // (B, T, d)
    return model.logits(hidden.select(1, hidden.size(1) - 1));
  }

  private static void checkArguments(Gpt2Model model, long[][] promptIds, long[][] mask,
      int maxNewTokens) {
    if (model.isTraining()) {
      throw new IllegalStateException("generation needs evaluation mode: call model.eval()");
    }
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
    }
    if (promptIds.length == 0 || promptIds[0].length == 0) {
      throw new IllegalArgumentException("promptIds must hold at least one non-empty prompt");
    }
    int length = promptIds[0].length;
    int limit = model.config().nPositions();
    if (length + maxNewTokens > limit) {
      throw new IllegalArgumentException("prompt length " + length + " + maxNewTokens "
          + maxNewTokens + " must be <= " + limit + " (n_positions)");
    }
    if (mask.length != promptIds.length) {
      throw new IllegalArgumentException("attentionMask must have " + promptIds.length
          + " rows, got " + mask.length);
    }
    for (int b = 0; b < promptIds.length; b++) {
      if (promptIds[b].length != length || mask[b].length != length) {
        throw new IllegalArgumentException("prompts and masks must all have length " + length
            + " (left-pad them), row " + b + " has " + promptIds[b].length + " ids and "
            + mask[b].length + " mask entries");
      }
      boolean leftPadded = mask[b][length - 1] == 1;
      for (int t = 0; t < length; t++) {
        leftPadded &= (mask[b][t] == 0 || mask[b][t] == 1)
            && (t == 0 || mask[b][t] >= mask[b][t - 1]);
      }
      if (!leftPadded) {
        throw new IllegalArgumentException("attentionMask row " + b + " must be zeros then ones"
            + " (left padding) ending in 1, got " + Arrays.toString(mask[b]));
      }
    }
  }

  private static Tensor tensor(long[][] rows) {
    int width = rows[0].length;
    long[] flat = new long[rows.length * width];
    for (int b = 0; b < rows.length; b++) {
      System.arraycopy(rows[b], 0, flat, b * width, width);
    }
    return Tensor.create(flat, rows.length, width);
  }

  private static long[] longs(Tensor t) {
    Tensor c = t.to(torch.ScalarType.Long).contiguous();
    long[] out = new long[(int) c.numel()];
    ((LongBuffer) c.createBuffer()).get(out);
    return out;
  }

  private static double[] doubles(Tensor t) {
    Tensor c = t.to(torch.ScalarType.Double).contiguous();
    double[] out = new double[(int) c.numel()];
    ((DoubleBuffer) c.createBuffer()).get(out);
    return out;
  }

  private static long[] append(long[] row, long value) {
    long[] out = Arrays.copyOf(row, row.length + 1);
    out[row.length] = value;
    return out;
  }

  private static long[] filled(int length, long value) {
    long[] out = new long[length];
    Arrays.fill(out, value);
    return out;
  }

  private static long[][] copy(long[][] rows) {
    return Arrays.stream(rows).map(long[]::clone).toArray(long[][]::new);
  }
}
