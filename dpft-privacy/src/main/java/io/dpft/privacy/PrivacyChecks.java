package io.dpft.privacy;

import java.util.List;

/**
 * The one home of argument checks for privacy parameters. Every message names the parameter,
 * the allowed range and the value given, e.g. {@code "sampleRate must be in (0, 1], got 1.5"}.
 */
public final class PrivacyChecks {
  private PrivacyChecks() {}

  public static double finite(String name, double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException(name + " must be a finite number, got " + value);
    }
    return value;
  }

  public static double positive(String name, double value) {
    finite(name, value);
    if (!(value > 0)) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
    return value;
  }

  public static double nonNegative(String name, double value) {
    finite(name, value);
    if (!(value >= 0)) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + value);
    }
    return value;
  }

  /** A fraction strictly between 0 and 1 (e.g. a relative error). */
  public static double openUnitInterval(String name, double value) {
    finite(name, value);
    if (!(value > 0 && value < 1)) {
      throw new IllegalArgumentException(name + " must be in (0, 1), got " + value);
    }
    return value;
  }

  /** A fraction in [0, 1) (e.g. the share of steps spent warming up). */
  public static double halfOpenUnitInterval(String name, double value) {
    finite(name, value);
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException(name + " must be in [0, 1), got " + value);
    }
    return value;
  }

  public static long atLeastOne(String name, long value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + value);
    }
    return value;
  }

  /** Noise multiplier σ: finite and &gt; 0. */
  public static double noiseMultiplier(double sigma) {
    return positive("noiseMultiplier", sigma);
  }

  /** Sampling rate q in (0, 1]. */
  public static double sampleRate(double q) {
    finite("sampleRate", q);
    if (!(q > 0 && q <= 1)) {
      throw new IllegalArgumentException("sampleRate must be in (0, 1], got " + q);
    }
    return q;
  }

  /** Number of steps, at least 1. */
  public static long steps(long steps) {
    return atLeastOne("steps", steps);
  }

  /** δ in (0, 1). */
  public static double delta(double delta) {
    finite("delta", delta);
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    return delta;
  }

  /** ε: finite and &gt; 0. */
  public static double epsilon(String name, double epsilon) {
    return positive(name, epsilon);
  }

  /** A Rényi order α: finite and &gt; 1. */
  public static double renyiOrder(double order) {
    finite("order", order);
    if (!(order > 1)) {
      throw new IllegalArgumentException("order must be > 1, got " + order);
    }
    return order;
  }

  /** A list that must hold at least one element (e.g. an accountant's history). */
  public static <T> List<T> nonEmpty(String name, List<T> list) {
    if (list == null || list.isEmpty()) {
      throw new IllegalArgumentException(
          name + " must hold at least one element, got " + (list == null ? "null" : "none"));
    }
    return list;
  }

  /** A batch size B of a dataset of N examples: 1 &le; B &le; N. */
  public static long batchSize(long batchSize, long datasetSize) {
    atLeastOne("batchSize", batchSize);
    atLeastOne("datasetSize", datasetSize);
    if (batchSize > datasetSize) {
      throw new IllegalArgumentException(
          "batchSize must be <= datasetSize, got batchSize="
              + batchSize
              + ", datasetSize="
              + datasetSize);
    }
    return batchSize;
  }
}
