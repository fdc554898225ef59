package io.dpft.data.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class RougeLTest {
  private static final double EPS = 1e-12;

  /**
   * Lin (2004), section 3.1.1: reference S1 "police killed the gunman"; S2 "police kill the
   * gunman" has ROUGE-L 3/4 and S3 "the gunman kill police" 2/4 (equal lengths, so P = R = F).
   */
  @Test
  void sentence_linPaperExample() {
    List<String> s1 = List.of("police killed the gunman");
    assertThat(RougeL.sentence("police kill the gunman", s1, RougeL.E2E_BETA).fMeasure())
        .isCloseTo(0.75, within(EPS));
    assertThat(RougeL.sentence("the gunman kill police", s1, RougeL.E2E_BETA).fMeasure())
        .isCloseTo(0.5, within(EPS));
  }

  /**
   * Google rouge-score README: target "The quick brown fox jumps over the lazy dog", prediction
   * "The quick brown dog jumps on the log." -> rougeL precision 0.625, recall 0.5556, F 0.5882
   * (β = 1).
   */
  @Test
  void sentence_rougeScoreReadmeExample() {
    RougeL.Score score =
        RougeL.sentence(
            "The quick brown dog jumps on the log.",
            List.of("The quick brown fox jumps over the lazy dog"),
            1.0);
    assertThat(score.precision()).isCloseTo(5.0 / 8, within(EPS));
    assertThat(score.recall()).isCloseTo(5.0 / 9, within(EPS));
    assertThat(score.fMeasure()).isCloseTo(0.5882352941176471, within(1e-12));
  }

  @Test
  void sentence_multipleReferences_maxPrecisionAndMaxRecall() {
    // hyp "a b c d" (4); ref1 "a b x" LCS 2 -> P 2/4, R 2/3; ref2 "a x c d e f g h" LCS 3 -> P 3/4, R 3/8
    RougeL.Score score = RougeL.sentence("a b c d", List.of("a b x", "a x c d e f g h"), 1.2);
    double p = 3.0 / 4;
    double r = 2.0 / 3;
    assertThat(score.precision()).isCloseTo(p, within(EPS));
    assertThat(score.recall()).isCloseTo(r, within(EPS));
    assertThat(score.fMeasure()).isCloseTo((1 + 1.44) * p * r / (r + 1.44 * p), within(EPS));
  }

  @Test
  void corpus_isMeanOfSentenceScores() {
    double mean =
        RougeL.corpus(
            List.of("police kill the gunman", "the gunman kill police"),
            List.of(List.of("police killed the gunman"), List.of("police killed the gunman")),
            1.2);
    assertThat(mean).isCloseTo(0.625, within(EPS));
  }

  @Test
  void sentence_noReferences_throws() {
    assertThatThrownBy(() -> RougeL.sentence("x", List.of(), 1.2))
        .hasMessageContaining("references must hold at least one text");
  }
}
