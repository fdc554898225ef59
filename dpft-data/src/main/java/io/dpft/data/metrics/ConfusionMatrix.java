package io.dpft.data.metrics;

/**
 * Counts {@code n[g][p]} of examples with gold label g predicted as p, and the classification
 * metrics computed from them. Undefined ratios (a class never predicted, a constant predictor's
 * MCC) are 0, as in scikit-learn.
 */
public final class ConfusionMatrix {
  private final long[][] counts;
  private final long total;

  private ConfusionMatrix(long[][] counts, long total) {
    this.counts = counts;
    this.total = total;
  }

  /**
   * @param predicted predicted label per example, in 0..numClasses-1
   * @param gold true label per example, same length
   */
  public static ConfusionMatrix of(int[] predicted, int[] gold, int numClasses) {
    if (predicted.length != gold.length) {
      throw new IllegalArgumentException(
          "predicted and gold must have one length, got " + predicted.length + " and " + gold.length);
    }
    if (numClasses < 2) {
      throw new IllegalArgumentException("numClasses must be >= 2, got " + numClasses);
    }
    long[][] counts = new long[numClasses][numClasses];
    for (int i = 0; i < gold.length; i++) {
      checkLabel("gold", i, gold[i], numClasses);
      checkLabel("predicted", i, predicted[i], numClasses);
      counts[gold[i]][predicted[i]]++;
    }
    return new ConfusionMatrix(counts, gold.length);
  }

  private static void checkLabel(String name, int i, int label, int numClasses) {
    if (label < 0 || label >= numClasses) {
      throw new IllegalArgumentException(
          name + "[" + i + "] must be in 0.." + (numClasses - 1) + ", got " + label);
    }
  }

  public int numClasses() {
    return counts.length;
  }

  public long count(int gold, int predicted) {
    return counts[gold][predicted];
  }

  public long total() {
    return total;
  }

  /** Fraction of examples predicted correctly (0 for no examples). */
  public double accuracy() {
    long correct = 0;
    for (int k = 0; k < counts.length; k++) {
      correct += counts[k][k];
    }
    return ratio(correct, total);
  }

  private long predictedAs(int k) {
    long s = 0;
    for (long[] row : counts) {
      s += row[k];
    }
    return s;
  }

  private long goldIs(int k) {
    long s = 0;
    for (long c : counts[k]) {
      s += c;
    }
    return s;
  }

  public double precision(int k) {
    return ratio(counts[k][k], predictedAs(k));
  }

  public double recall(int k) {
    return ratio(counts[k][k], goldIs(k));
  }

  /** F1 of class k: 2 TP / (2 TP + FP + FN). */
  public double f1(int k) {
    long tp = counts[k][k];
    return ratio(2 * tp, predictedAs(k) + goldIs(k));
  }

  /** F1 of the positive class 1 of a binary task (GLUE's F1 for MRPC and QQP). */
  public double binaryF1() {
    if (counts.length != 2) {
      throw new IllegalStateException("binaryF1 needs 2 classes, this matrix has " + counts.length);
    }
    return f1(1);
  }

  /**
   * Unweighted mean of per-class F1 over the classes that occur in gold or predictions
   * (scikit-learn's {@code average="macro"} default label set).
   */
  public double macroF1() {
    double sum = 0;
    int present = 0;
    for (int k = 0; k < counts.length; k++) {
      if (predictedAs(k) + goldIs(k) > 0) {
        sum += f1(k);
        present++;
      }
    }
    return present == 0 ? 0 : sum / present;
  }

  /**
   * Matthews correlation coefficient (Matthews, 1975), in its multi-class form R_K (Gorodkin,
   * 2004, "Comparing two K-category assignments by a K-category correlation coefficient"):
   * {@code (c·s − Σ p_k t_k) / sqrt((s² − Σ p_k²)(s² − Σ t_k²))}, with c correct predictions, s
   * examples, p_k predictions of k and t_k true occurrences of k. For two classes this is {@code
   * (TP·TN − FP·FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN))}.
   */
  public double mcc() {
    double c = 0;
    double pt = 0;
    double pp = 0;
    double tt = 0;
    for (int k = 0; k < counts.length; k++) {
      c += counts[k][k];
      double p = predictedAs(k);
      double t = goldIs(k);
      pt += p * t;
      pp += p * p;
      tt += t * t;
    }
    double s = total;
    double denominator = Math.sqrt((s * s - pp) * (s * s - tt));
    return denominator == 0 ? 0 : (c * s - pt) / denominator;
  }

  private static double ratio(long numerator, long denominator) {
    return denominator == 0 ? 0 : (double) numerator / denominator;
  }
}
