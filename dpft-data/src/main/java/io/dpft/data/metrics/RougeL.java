package io.dpft.data.metrics;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * ROUGE-L (Lin, 2004, "ROUGE: A Package for Automatic Evaluation of Summaries", section 3.1):
 * with LCS the length of the longest common subsequence of hypothesis (n tokens) and reference (m
 * tokens), {@code R = LCS/m}, {@code P = LCS/n}, {@code F = (1+β²) R P / (R + β² P)}.
 *
 * <p>With several references, as the E2E NLG challenge's scorer (the COCO caption ROUGE-L) does,
 * P and R are each the maximum over the references and F is computed from them; β defaults to
 * that scorer's 1.2. The corpus score is the mean sentence F. Text is lowercased and split at
 * every character that is not a letter or digit (the tokenization of Google's rouge-score
 * package, without stemming).
 *
 * <p>Hand-written: no maintained JVM ROUGE library is on Maven Central.
 */
public final class RougeL {
  /** β of the E2E NLG challenge scorer. */
  public static final double E2E_BETA = 1.2;

  private static final Pattern NON_ALPHANUMERIC = Pattern.compile("[^\\p{L}\\p{N}]+");

  /** Precision, recall and F-measure of one hypothesis. */
  public record Score(double precision, double recall, double fMeasure) {}

  private RougeL() {}

  public static Score sentence(String hypothesis, List<String> references, double beta) {
    if (references.isEmpty()) {
      throw new IllegalArgumentException("references must hold at least one text");
    }
    if (!(beta > 0) || !Double.isFinite(beta)) {
      throw new IllegalArgumentException("beta must be finite and > 0, got " + beta);
    }
    List<String> hyp = tokenize(hypothesis);
    double precision = 0;
    double recall = 0;
    for (String reference : references) {
      List<String> ref = tokenize(reference);
      int lcs = lcsLength(hyp, ref);
      precision = Math.max(precision, hyp.isEmpty() ? 0 : (double) lcs / hyp.size());
      recall = Math.max(recall, ref.isEmpty() ? 0 : (double) lcs / ref.size());
    }
    double b2 = beta * beta;
    double f =
        precision == 0 || recall == 0 ? 0 : (1 + b2) * precision * recall / (recall + b2 * precision);
    return new Score(precision, recall, f);
  }

  /** Mean sentence F-measure over the corpus (0 for an empty corpus). */
  public static double corpus(List<String> hypotheses, List<List<String>> references, double beta) {
    GenerationInputs.check(hypotheses, references);
    double sum = 0;
    for (int i = 0; i < hypotheses.size(); i++) {
      sum += sentence(hypotheses.get(i), references.get(i), beta).fMeasure();
    }
    return hypotheses.isEmpty() ? 0 : sum / hypotheses.size();
  }

  static List<String> tokenize(String text) {
    String lower = text.toLowerCase(Locale.ROOT).strip();
    return List.of(NON_ALPHANUMERIC.split(lower)).stream().filter(s -> !s.isEmpty()).toList();
  }

  /** Dynamic programming over prefixes, O(n·m) time, O(m) memory. */
  static int lcsLength(List<String> a, List<String> b) {
    int[] previous = new int[b.size() + 1];
    int[] current = new int[b.size() + 1];
    for (String x : a) {
      for (int j = 1; j <= b.size(); j++) {
        current[j] =
            x.equals(b.get(j - 1)) ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.size()];
  }
}
