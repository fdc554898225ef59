package io.dpft.data.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class BleuTest {
  /**
   * sacreBLEU's README example (sacrebleu 2.x, default BLEU(): 13a, exp smoothing, mixed case):
   * "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)". The
   * README gives references as two streams; here they are regrouped per hypothesis.
   */
  @Test
  void corpus_sacreBleuReadmeExample() {
    List<String> hypotheses =
        List.of("The dog bit the man.", "It wasn't surprising.", "The man had just bitten him.");
    List<List<String>> references =
        List.of(
            List.of("The dog bit the man.", "The dog had bit the man."),
            List.of("It was not unexpected.", "No one was surprised."),
            List.of("The man bit him first.", "The man had bitten the dog."));
    Bleu.Score score = Bleu.corpus(hypotheses, references);
    assertThat(score.score()).isCloseTo(48.53, within(0.005));
    assertThat(score.precisions()[0]).isCloseTo(82.4, within(0.05));
    assertThat(score.precisions()[1]).isCloseTo(50.0, within(0.05));
    assertThat(score.precisions()[2]).isCloseTo(45.5, within(0.05));
    assertThat(score.precisions()[3]).isCloseTo(37.5, within(0.05));
    assertThat(score.brevityPenalty()).isCloseTo(0.943, within(0.0005));
    assertThat(score.hypothesisLength()).isEqualTo(17);
    assertThat(score.referenceLength()).isEqualTo(18);
  }

  // Papineni et al. (2002), Example 1, as tokenized in NLTK's corpus_bleu docstring.
  private static final String HYP1 =
      "It is a guide to action which ensures that the military always obeys the commands of the party";
  private static final String REF1A =
      "It is a guide to action that ensures that the military will forever heed Party commands";
  private static final String REF1B =
      "It is the guiding principle which guarantees the military forces always being under the command of the Party";
  private static final String REF1C =
      "It is the practical guide for the army always to heed the directions of the party";
  private static final String HYP2 = "he read the book because he was interested in world history";
  private static final String REF2A = "he was interested in world history because he read the book";

  /** nltk.translate.bleu_score.corpus_bleu docstring: 0.5920778868801042 (no smoothing needed). */
  @Test
  void corpus_nltkDocstringExample() {
    Bleu.Score score =
        Bleu.corpus(
            List.of(HYP1, HYP2),
            List.of(List.of(REF1A, REF1B, REF1C), List.of(REF2A)),
            BleuTokenizer.WHITESPACE);
    assertThat(score.score() / 100).isCloseTo(0.5920778868801042, within(1e-12));
  }

  /** Papineni et al. (2002), section 2.1.1: Candidate 1 has modified unigram precision 17/18. */
  @Test
  void unigramPrecision_papineniCandidate1() {
    Bleu.Score score =
        Bleu.corpus(List.of(HYP1), List.of(List.of(REF1A, REF1B, REF1C)), BleuTokenizer.WHITESPACE);
    assertThat(score.precisions()[0]).isCloseTo(100.0 * 17 / 18, within(1e-9));
  }

  /** Papineni et al. (2002), section 2.1: "the the the the the the the" has precision 2/7. */
  @Test
  void unigramPrecision_papineniClippingExample() {
    Bleu.Score score =
        Bleu.corpus(
            List.of("the the the the the the the"),
            List.of(List.of("the cat is on the mat", "there is a cat on the mat")),
            BleuTokenizer.WHITESPACE);
    assertThat(score.precisions()[0]).isCloseTo(100.0 * 2 / 7, within(1e-9));
  }

  @Test
  void brevityPenalty_definition() {
    assertThat(Bleu.brevityPenalty(10, 10)).isEqualTo(1.0);
    assertThat(Bleu.brevityPenalty(12, 10)).isEqualTo(1.0);
    assertThat(Bleu.brevityPenalty(8, 10)).isCloseTo(Math.exp(1 - 10.0 / 8), within(1e-15));
    assertThat(Bleu.brevityPenalty(0, 10)).isZero();
  }

  @Test
  void thirteenA_splitsPunctuationButNotInsideNumbers() {
    assertThat(BleuTokenizer.THIRTEEN_A.tokenize("It costs 3.50, (approx.) &amp; 1-2 days."))
        .containsExactly("It", "costs", "3.50", ",", "(", "approx", ".", ")", "&", "1", "-", "2", "days", ".");
  }

  @Test
  void identicalText_scores100() {
    Bleu.Score score =
        Bleu.corpus(List.of("a b c d e"), List.of(List.of("a b c d e")));
    assertThat(score.score()).isCloseTo(100, within(1e-9));
  }
}
