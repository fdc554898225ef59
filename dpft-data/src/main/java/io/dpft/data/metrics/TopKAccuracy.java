package io.dpft.data.metrics;

/**
 * Top-k accuracy: the fraction of examples whose gold class is among the k highest-scoring
 * classes (top-5 for ImageNet-style evaluation). The rank of the gold class counts the classes
 * scoring strictly higher plus tied classes with a lower index, as a stable descending sort would
 * order them.
 */
public final class TopKAccuracy {
  private TopKAccuracy() {}

  /**
   * @param scores scores[i][c] = score (logit or probability) of class c for example i
   * @param gold gold class of each example
   * @param k how many top classes count, &gt;= 1
   */
  public static double of(float[][] scores, int[] gold, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
    if (scores.length != gold.length) {
      throw new IllegalArgumentException(
          "scores and gold must have one length, got " + scores.length + " and " + gold.length);
    }
    if (gold.length == 0) {
      return 0;
    }
    int hits = 0;
    for (int i = 0; i < gold.length; i++) {
      float[] s = scores[i];
      int g = gold[i];
      if (g < 0 || g >= s.length) {
        throw new IllegalArgumentException(
            "gold[" + i + "] must be in 0.." + (s.length - 1) + ", got " + g);
      }
      int rank = 0;
      for (int c = 0; c < s.length; c++) {
        if (s[c] > s[g] || (s[c] == s[g] && c < g)) {
          rank++;
        }
      }
      if (rank < k) {
        hits++;
      }
    }
    return (double) hits / gold.length;
  }
}
