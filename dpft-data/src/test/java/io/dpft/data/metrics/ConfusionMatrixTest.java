package io.dpft.data.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {
  private static final double EPS = 1e-12;

  /**
   * The example of Wikipedia's "Phi coefficient" / MCC article: 12 pictures, 8 cats (1) and 4 dogs
   * (0); two cats predicted as dogs, one dog as a cat. TP = 6, FN = 2, FP = 1, TN = 3.
   */
  private static final int[] CATS_GOLD = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};

  private static final int[] CATS_PREDICTED = {0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1};

  @Test
  void binary_wikipediaCatsExample_byHand() {
    ConfusionMatrix m = ConfusionMatrix.of(CATS_PREDICTED, CATS_GOLD, 2);
    assertThat(m.count(1, 1)).isEqualTo(6);
    assertThat(m.count(1, 0)).isEqualTo(2);
    assertThat(m.count(0, 1)).isEqualTo(1);
    assertThat(m.count(0, 0)).isEqualTo(3);
    assertThat(m.accuracy()).isCloseTo(9.0 / 12, within(EPS));
    // F1 = 2TP / (2TP + FP + FN) = 12 / 15
    assertThat(m.binaryF1()).isCloseTo(12.0 / 15, within(EPS));
    // MCC = (TP*TN - FP*FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = 16 / sqrt(7*8*4*5) ≈ 0.478
    assertThat(m.mcc()).isCloseTo(16 / Math.sqrt(7 * 8 * 4 * 5), within(EPS));
  }

  @Test
  void mcc_scikitLearnDocExample() {
    // sklearn.metrics.matthews_corrcoef docs: y_true = [+1, +1, +1, -1], y_pred = [+1, -1, +1, +1]
    // -> -0.33...; here +1 -> 1, -1 -> 0.
    ConfusionMatrix m = ConfusionMatrix.of(new int[] {1, 0, 1, 1}, new int[] {1, 1, 1, 0}, 2);
    assertThat(m.mcc()).isCloseTo(-1.0 / 3, within(EPS));
  }

  @Test
  void macroF1_scikitLearnDocExample() {
    // sklearn.metrics.f1_score docs: y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1]:
    // average=None -> [0.8, 0, 0], average="macro" -> 0.2666...
    ConfusionMatrix m =
        ConfusionMatrix.of(new int[] {0, 2, 1, 0, 0, 1}, new int[] {0, 1, 2, 0, 1, 2}, 3);
    assertThat(m.f1(0)).isCloseTo(0.8, within(EPS));
    assertThat(m.f1(1)).isZero();
    assertThat(m.f1(2)).isZero();
    assertThat(m.macroF1()).isCloseTo(0.8 / 3, within(EPS));
  }

  @Test
  void mcc_multiclass_equalsGorodkinFormulaByHand() {
    // gold 0,0,1,1,2,2; predicted 0,1,1,1,2,0: c = 4, s = 6, p = (2,3,1), t = (2,2,2)
    ConfusionMatrix m =
        ConfusionMatrix.of(new int[] {0, 1, 1, 1, 2, 0}, new int[] {0, 0, 1, 1, 2, 2}, 3);
    double expected = (4.0 * 6 - (2 * 2 + 3 * 2 + 1 * 2)) / Math.sqrt((36.0 - (4 + 9 + 1)) * (36.0 - 12));
    assertThat(m.mcc()).isCloseTo(expected, within(EPS));
  }

  @Test
  void mcc_perfectAndConstantPredictor() {
    int[] gold = {0, 1, 1, 0};
    assertThat(ConfusionMatrix.of(gold, gold, 2).mcc()).isCloseTo(1, within(EPS));
    assertThat(ConfusionMatrix.of(new int[] {1, 1, 1, 1}, gold, 2).mcc()).isZero();
  }

  @Test
  void macroF1_ignoresClassesAbsentFromGoldAndPredictions() {
    ConfusionMatrix m = ConfusionMatrix.of(new int[] {0, 1}, new int[] {0, 1}, 4);
    assertThat(m.macroF1()).isCloseTo(1, within(EPS));
  }

  @Test
  void of_labelOutOfRange_throwsNamingIt() {
    assertThatThrownBy(() -> ConfusionMatrix.of(new int[] {0, 3}, new int[] {0, 1}, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("predicted[1] must be in 0..1, got 3");
  }
}
