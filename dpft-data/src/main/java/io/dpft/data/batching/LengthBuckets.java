package io.dpft.data.batching;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * Splits a logical batch into physical batches of at most {@code maxPhysicalBatchSize} examples,
 * in order of increasing length, so that examples of similar length share a batch and little
 * padding is needed. Examples of equal length are ordered by a key drawn from {@code seed} and the
 * example index (SplitMix64), so which of them share a batch does not depend on the order of the
 * dataset, and the same seed and indices always give the same batches.
 */
final class LengthBuckets {
  private LengthBuckets() {}

  static List<int[]> split(
      int[] logicalBatch, IntUnaryOperator lengthOf, int maxPhysicalBatchSize, long seed) {
    Integer[] order = new Integer[logicalBatch.length];
    int[] lengths = new int[logicalBatch.length];
    long[] tieBreak = new long[logicalBatch.length];
    for (int i = 0; i < logicalBatch.length; i++) {
      order[i] = i;
      lengths[i] = lengthOf.applyAsInt(logicalBatch[i]);
      tieBreak[i] = splitMix64(seed ^ (0x9E3779B97F4A7C15L * (logicalBatch[i] + 1L)));
    }
    Arrays.sort(
        order,
        Comparator.<Integer>comparingInt(i -> lengths[i])
            .thenComparingLong(i -> tieBreak[i])
            .thenComparingInt(i -> i));
    return chunks(logicalBatch, order, maxPhysicalBatchSize);
  }

  /** Consecutive chunks of {@code maxPhysicalBatchSize} in the given order (no sorting). */
  static List<int[]> inOrder(int[] logicalBatch, int maxPhysicalBatchSize) {
    Integer[] order = new Integer[logicalBatch.length];
    Arrays.setAll(order, i -> i);
    return chunks(logicalBatch, order, maxPhysicalBatchSize);
  }

  private static List<int[]> chunks(int[] logicalBatch, Integer[] order, int max) {
    List<int[]> batches = new ArrayList<>();
    for (int start = 0; start < order.length; start += max) {
      int[] batch = new int[Math.min(max, order.length - start)];
      for (int j = 0; j < batch.length; j++) {
        batch[j] = logicalBatch[order[start + j]];
      }
      batches.add(batch);
    }
    return batches;
  }

  static void checkIndices(int[] logicalBatch, int datasetSize) {
    for (int index : logicalBatch) {
      if (index < 0 || index >= datasetSize) {
        throw new IllegalArgumentException(
            "logical batch index " + index + " is outside the dataset 0.." + (datasetSize - 1));
      }
    }
  }

  static void checkMaxPhysicalBatchSize(int maxPhysicalBatchSize) {
    if (maxPhysicalBatchSize < 1) {
      throw new IllegalArgumentException(
          "maxPhysicalBatchSize must be >= 1, got " + maxPhysicalBatchSize);
    }
  }

  /** Steele, Lea and Flood (2014), "Fast Splittable Pseudorandom Number Generators": the finaliser. */
  private static long splitMix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
