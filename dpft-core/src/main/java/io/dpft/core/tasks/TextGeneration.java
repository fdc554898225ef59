package io.dpft.core.tasks;

import io.dpft.core.models.Gpt2Generation;
import io.dpft.core.models.Gpt2Model;
import io.dpft.data.datasets.TableToTextExample;
import io.dpft.data.datasets.table.TableToTextDataset;
import io.dpft.data.metrics.Bleu;
import io.dpft.data.metrics.RougeL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Completes text prompts with a {@link Gpt2Model} (greedy, or beam search keeping the best beam;
 * see {@link Gpt2Generation}), each completion cut before its first EOS, and scores completions
 * of table-to-text inputs against their references with corpus BLEU (Papineni et al., 2002) and
 * mean ROUGE-L F with β = 1.2 (Lin, 2004), as the E2E NLG challenge does. Runs in eval mode and
 * restores the model's mode.
 */
public final class TextGeneration {
  private final Gpt2Model model;
  private final Function<String, long[]> encoder;
  private final Function<long[], String> decoder;
  private final Settings settings;

  /**
   * How much to generate.
   *
   * @param maxNewTokens tokens generated at most per prompt (fewer when the prompts leave less
   *     room in the model's {@code n_positions})
   * @param numBeams 1 for greedy decoding, more for beam search (one prompt at a time)
   * @param batchSize prompts per greedy forward pass (left-padded together)
   */
  public record Settings(int maxNewTokens, int numBeams, int batchSize) {
    public Settings {
      if (maxNewTokens < 1) {
        throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
      }
      if (numBeams < 1) {
        throw new IllegalArgumentException("numBeams must be >= 1, got " + numBeams);
      }
      if (batchSize < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
      }
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens, {@code batchSize} prompts at once. */
    public static Settings greedy(int maxNewTokens, int batchSize) {
      return new Settings(maxNewTokens, 1, batchSize);
    }
  }

  /**
   * Scores of one evaluation: corpus BLEU, mean ROUGE-L F (β = 1.2) and the generated texts, one
   * per distinct prompt, in order of first appearance.
   */
  public record Scores(Bleu.Score bleu, double rougeL, List<String> hypotheses) {
    public Scores {
      Objects.requireNonNull(bleu, "bleu");
      hypotheses = List.copyOf(hypotheses);
    }
  }

  /**
   * @param encoder a prompt's token ids, as the training prompts were encoded
   * @param decoder text of generated ids (EOS excluded), e.g. {@code ids -> tokenizer.decode(ids,
   *     true)}
   */
  public TextGeneration(Gpt2Model model, Function<String, long[]> encoder,
      Function<long[], String> decoder, Settings settings) {
    this.model = Objects.requireNonNull(model, "model");
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    this.decoder = Objects.requireNonNull(decoder, "decoder");
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * The completion of each prompt.
   *
   * @throws IllegalArgumentException for an empty encoded prompt, or one that fills the model's
   *     {@code n_positions}
   */
  public List<String> complete(List<String> prompts) {
    List<String> out = new ArrayList<>(prompts.size());
    boolean wasTraining = model.isTraining();
    model.eval();
    try {
      for (int start = 0; start < prompts.size(); start += settings.batchSize()) {
        List<long[]> ids = new ArrayList<>();
        for (String prompt : prompts.subList(start,
            Math.min(prompts.size(), start + settings.batchSize()))) {
          long[] encoded = encoder.apply(prompt);
          if (encoded.length == 0) {
            throw new IllegalArgumentException("the encoder gave no token for prompt '" + prompt
                + "'; every prompt needs at least one token");
          }
          ids.add(encoded);
        }
        List<long[]> generated = settings.numBeams() == 1 ? greedy(ids) : beams(ids);
        generated.forEach(g -> out.add(decoder.apply(g)));
      }
    } finally {
      model.train(wasTraining);
    }
    return out;
  }

  /**
   * Completes each distinct prompt of {@code data} once and scores it against all references of
   * that prompt.
   */
  public Scores score(TableToTextDataset data) {
    Map<String, List<String>> references = new LinkedHashMap<>();
    for (TableToTextExample example : data.examples()) {
      references.computeIfAbsent(example.prompt(), p -> new ArrayList<>())
          .addAll(example.references());
    }
    List<String> prompts = new ArrayList<>(references.keySet());
    List<String> hypotheses = complete(prompts);
    List<List<String>> grouped = prompts.stream().map(references::get).toList();
    return new Scores(Bleu.corpus(hypotheses, grouped),
        RougeL.corpus(hypotheses, grouped, RougeL.E2E_BETA), hypotheses);
  }

  /** Greedy new tokens of each prompt, the prompts left-padded together. */
  private List<long[]> greedy(List<long[]> prompts) {
    long eos = model.config().eosTokenId();
    int width = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
    long[][] ids = new long[prompts.size()][width];
    long[][] mask = new long[prompts.size()][width];
    for (int r = 0; r < ids.length; r++) {
      long[] prompt = prompts.get(r);
      Arrays.fill(ids[r], eos);
      System.arraycopy(prompt, 0, ids[r], width - prompt.length, prompt.length);
      Arrays.fill(mask[r], width - prompt.length, width, 1L);
    }
    long[][] out = Gpt2Generation.greedy(model, ids, mask, room(width));
    List<long[]> generated = new ArrayList<>(out.length);
    for (long[] row : out) {
      generated.add(untilEos(row, width, eos));
    }
    return generated;
  }

  /** The best beam's new tokens of each prompt. */
  private List<long[]> beams(List<long[]> prompts) {
    long eos = model.config().eosTokenId();
    List<long[]> generated = new ArrayList<>(prompts.size());
    for (long[] prompt : prompts) {
      long[] best = Gpt2Generation.beamSearch(
          model, prompt, settings.numBeams(), room(prompt.length)).get(0).tokenIds();
      generated.add(untilEos(best, prompt.length, eos));
    }
    return generated;
  }

  /** maxNewTokens, or fewer so that {@code promptLength} plus them fit in n_positions. */
  private int room(int promptLength) {
    int limit = model.config().nPositions();
    if (promptLength >= limit) {
      throw new IllegalArgumentException("a prompt of " + promptLength + " tokens leaves no room"
          + " to generate: the model's n_positions is " + limit + "; shorten the prompt");
    }
    return Math.min(settings.maxNewTokens(), limit - promptLength);
  }

  private static long[] untilEos(long[] row, int from, long eos) {
    int end = from;
    while (end < row.length && row[end] != eos) {
      end++;
    }
    return Arrays.copyOfRange(row, from, end);
  }
}
