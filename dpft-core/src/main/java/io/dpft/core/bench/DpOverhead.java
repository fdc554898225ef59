package io.dpft.core.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What DP costs one method: its DP throughput and peak RSS over its non-private ones, from the
 * same benchmark run (ratios from one run on one machine are the comparable numbers).
 */
public record DpOverhead(BenchMethod method, double throughputRatio, double peakRssRatio) {

  /** One entry per method that ran both with and without DP, in run order. */
  public static List<DpOverhead> of(List<BenchResult> results) {
    List<DpOverhead> out = new ArrayList<>();
    for (BenchResult dp : results) {
      if (dp.dp()) {
        find(results, dp.method(), false)
            .ifPresent(plain -> out.add(new DpOverhead(dp.method(),
                dp.samplesPerSecond() / plain.samplesPerSecond(),
                dp.peakRssMb() / plain.peakRssMb())));
      }
    }
    return out;
  }

  private static Optional<BenchResult> find(List<BenchResult> results, BenchMethod m, boolean dp) {
    return results.stream().filter(r -> r.method() == m && r.dp() == dp).findFirst();
  }
}
