package io.dpft.core.dp;

/**
 * What clipping did to one physical batch: how many samples, their mean and largest per-sample
 * gradient norm (before clipping, over all groups) and the fraction whose norm exceeded the
 * threshold of at least one group.
 */
public record ClippingStats(int samples, double meanNorm, double maxNorm, double clippedFraction) {
  public static final ClippingStats EMPTY = new ClippingStats(0, 0, 0, 0);
}
