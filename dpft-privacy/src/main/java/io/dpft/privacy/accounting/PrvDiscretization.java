package io.dpft.privacy.accounting;

import java.util.stream.IntStream;

/**
 * One step's PRV truncated, rounded to the mesh and shifted back to its mean: the first loop of
 * Algorithm 1 (ComposePRV) of Gopi, Lee &amp; Wutschitz 2021.
 *
 * <p>With the PRV Y truncated to the mesh cells it can reach with more than the allowed tail
 * mass, Y^L = Y | a &lt; Y ≤ b, the cell of point m·h is (m·h − h/2, m·h + h/2] and gets the
 * mass P[Y^L in cell] from the closed-form CDF (survival function above 0, so tails keep their
 * relative precision). The rounded variable m·h is then shifted by
 *
 * <pre>  μ = E[Y^L] − E[round(Y^L)] = E[Y; a &lt; Y ≤ b] / P[a &lt; Y ≤ b] − Σ_m m·h·p_m,</pre>
 *
 * so that rounding errors have mean zero and add up like a random walk (the paper's mean
 * correction, which keeps the mesh at O(1/√k)). The partial mean comes from {@link
 * PrvSubsampledGaussian#partialMean}.
 */
final class PrvDiscretization {
  /** Cells per parallel task: the closed-form CDF costs two normal-tail evaluations a cell. */
  private static final int CHUNK_CELLS = 1 << 15;

  private final double[] circularPmf;
  private final double meanShift;
  private final double truncatedMass;

  private PrvDiscretization(double[] circularPmf, double meanShift, double truncatedMass) {
    this.circularPmf = circularPmf;
    this.meanShift = meanShift;
    this.truncatedMass = truncatedMass;
  }

  /**
   * Discretises {@code prv} on {@code grid}, truncating at most {@code tail} of its mass on each
   * side.
   */
  static PrvDiscretization of(PrvSubsampledGaussian prv, PrvGrid grid, double tail) {
    double h = grid.meshSize();
    int size = grid.size();
    int half = size / 2;
    int first = Math.max(-half + 1, cellOf(prv.lowerQuantile(tail), h));
    int last = Math.min(half - 1, cellOf(prv.upperQuantile(tail), h));
    double lowerEdge = (first - 0.5) * h;
    double upperEdge = (last + 0.5) * h;
    double truncated = prv.cdf(lowerEdge) + prv.survival(upperEdge);

    double[] pmf = new double[size];
    int cells = last - first + 1;
    int chunks = (cells + CHUNK_CELLS - 1) / CHUNK_CELLS;
    double[][] sums = new double[chunks][];
    IntStream.range(0, chunks)
        .parallel()
        .forEach(
            c ->
                sums[c] =
                    fillCells(
                        prv,
                        h,
                        first + c * CHUNK_CELLS,
                        Math.min(last, first + (c + 1) * CHUNK_CELLS - 1),
                        pmf));
    double total = 0;
    double roundedMean = 0;
    for (double[] chunk : sums) {
      total += chunk[0];
      roundedMean += chunk[1];
    }
    for (int m = first; m <= last; m++) {
      pmf[Math.floorMod(m, size)] /= total;
    }
    double meanShift = (prv.partialMean(lowerEdge, upperEdge) - roundedMean) / total;
    if (!(Math.abs(meanShift) < h / 2)) {
      throw new IllegalStateException(
          "PRV mean correction " + meanShift + " is not within half a mesh step " + h / 2);
    }
    return new PrvDiscretization(pmf, meanShift, truncated);
  }

  /** The step's probabilities, index m mod size holding the cell of m·h. */
  double[] circularPmf() {
    return circularPmf;
  }

  /** μ: the rounded PRV plus μ has the truncated PRV's mean. */
  double meanShift() {
    return meanShift;
  }

  /** P[Y outside the kept cells]: the truncation's share of the δ error. */
  double truncatedMass() {
    return truncatedMass;
  }

  /**
   * Writes the masses of cells {@code from..to} into {@code pmf} (index m mod size) and returns
   * their total mass and Σ m·h·mass. A cell above 0 takes the difference of survival values,
   * one at or below 0 that of CDF values.
   */
  private static double[] fillCells(
      PrvSubsampledGaussian prv, double h, int from, int to, double[] pmf) {
    double lowerEdge = (from - 0.5) * h;
    double lowerCdf = from <= 0 ? prv.cdf(lowerEdge) : Double.NaN;
    double lowerSurvival = from >= 1 ? prv.survival(lowerEdge) : Double.NaN;
    double total = 0;
    double roundedMean = 0;
    for (int m = from; m <= to; m++) {
      double edge = (m + 0.5) * h;
      double mass;
      if (m >= 1) {
        double upperSurvival = prv.survival(edge);
        mass = lowerSurvival - upperSurvival;
        lowerSurvival = upperSurvival;
      } else {
        double upperCdf = prv.cdf(edge);
        mass = upperCdf - lowerCdf;
        lowerCdf = upperCdf;
        if (m == 0) {
          lowerSurvival = prv.survival(edge);
        }
      }
      pmf[Math.floorMod(m, pmf.length)] = mass;
      total += mass;
      roundedMean += m * h * mass;
    }
    return new double[] {total, roundedMean};
  }

  /** The index of the cell (m·h − h/2, m·h + h/2] holding t. */
  private static int cellOf(double t, double h) {
    return (int) Math.ceil(t / h - 0.5);
  }

}
