package io.dpft.data.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus-level BLEU (Papineni, Roukos, Ward and Zhu, 2002, "BLEU: a Method for Automatic
 * Evaluation of Machine Translation", ACL) with sacreBLEU's defaults: 4-gram, uniform weights,
 * mixed case, 13a tokenization, "exp" smoothing.
 *
 * <p>{@code BLEU = BP · exp(Σ_{n=1..4} ¼ log p_n)}, where p_n is the corpus modified n-gram
 * precision: each hypothesis n-gram counts at most as often as it occurs in the single reference
 * where it occurs most (clipping), summed over the corpus and divided by the number of hypothesis
 * n-grams. The brevity penalty {@code BP = 1} if c &gt; r, else {@code exp(1 − r/c)}, with c the
 * total hypothesis length and r the sum over sentences of the reference length closest to the
 * hypothesis length (the shorter one on a tie). Smoothing (Chen and Cherry, 2014, "A Systematic
 * Comparison of Smoothing Techniques for Sentence-Level BLEU", method 3, NIST's): the k-th order
 * with no match gets {@code p_n = 1 / (2^k · total_n)}; it changes nothing when every order has a
 * match.
 *
 * <p>Hand-written: no maintained JVM library on Maven Central computes sacreBLEU-compatible BLEU.
 */
public final class Bleu {
  private static final int MAX_ORDER = 4;

  /**
   * A BLEU result, in percent like sacreBLEU.
   *
   * @param score BLEU in [0, 100]
   * @param precisions p_1..p_4 in percent (after smoothing)
   * @param brevityPenalty BP
   * @param hypothesisLength c, total hypothesis tokens
   * @param referenceLength r, total closest-reference tokens
   */
  public record Score(
      double score,
      double[] precisions,
      double brevityPenalty,
      long hypothesisLength,
      long referenceLength) {
    public Score {
      precisions = precisions.clone();
    }

    @Override
    public double[] precisions() {
      return precisions.clone();
    }
  }

  private Bleu() {}

  /** Corpus BLEU with 13a tokenization. */
  public static Score corpus(List<String> hypotheses, List<List<String>> references) {
    return corpus(hypotheses, references, BleuTokenizer.THIRTEEN_A);
  }

  /**
   * @param hypotheses one generated text per input
   * @param references the references of each input (at least one each; their number may vary)
   */
  public static Score corpus(
      List<String> hypotheses, List<List<String>> references, BleuTokenizer tokenizer) {
    GenerationInputs.check(hypotheses, references);
    long[] matches = new long[MAX_ORDER];
    long[] totals = new long[MAX_ORDER];
    long hypothesisLength = 0;
    long referenceLength = 0;
    for (int i = 0; i < hypotheses.size(); i++) {
      List<String> hypothesis = tokenizer.tokenize(hypotheses.get(i));
      List<List<String>> refs = references.get(i).stream().map(tokenizer::tokenize).toList();
      hypothesisLength += hypothesis.size();
      referenceLength += closestLength(refs, hypothesis.size());
      for (int n = 1; n <= MAX_ORDER; n++) {
        Map<List<String>, Integer> hypCounts = ngrams(hypothesis, n);
        Map<List<String>, Integer> maxRefCounts = new HashMap<>();
        for (List<String> ref : refs) {
          ngrams(ref, n).forEach((gram, count) -> maxRefCounts.merge(gram, count, Math::max));
        }
        for (Map.Entry<List<String>, Integer> e : hypCounts.entrySet()) {
          matches[n - 1] += Math.min(e.getValue(), maxRefCounts.getOrDefault(e.getKey(), 0));
          totals[n - 1] += e.getValue();
        }
      }
    }
    double[] precisions = new double[MAX_ORDER];
    double smoothing = 1;
    double logSum = 0;
    boolean defined = true;
    for (int n = 0; n < MAX_ORDER; n++) {
      if (totals[n] == 0) {
        defined = false;
        break;
      }
      if (matches[n] == 0) {
        smoothing *= 2;
        precisions[n] = 100.0 / (smoothing * totals[n]);
      } else {
        precisions[n] = 100.0 * matches[n] / totals[n];
      }
      logSum += Math.log(precisions[n] / 100.0);
    }
    double bp = brevityPenalty(hypothesisLength, referenceLength);
    double score = defined ? 100.0 * bp * Math.exp(logSum / MAX_ORDER) : 0;
    return new Score(score, precisions, bp, hypothesisLength, referenceLength);
  }

  static double brevityPenalty(long hypothesisLength, long referenceLength) {
    if (hypothesisLength == 0) {
      return 0;
    }
    if (hypothesisLength > referenceLength) {
      return 1;
    }
    return Math.exp(1 - (double) referenceLength / hypothesisLength);
  }

  private static int closestLength(List<List<String>> refs, int hypothesisLength) {
    int best = -1;
    for (List<String> ref : refs) {
      int length = ref.size();
      int diff = Math.abs(length - hypothesisLength);
      int bestDiff = Math.abs(best - hypothesisLength);
      if (best < 0 || diff < bestDiff || (diff == bestDiff && length < best)) {
        best = length;
      }
    }
    return best;
  }

  private static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
    Map<List<String>, Integer> counts = new HashMap<>();
    for (int i = 0; i + n <= tokens.size(); i++) {
      counts.merge(tokens.subList(i, i + n), 1, Integer::sum);
    }
    return counts;
  }
}
