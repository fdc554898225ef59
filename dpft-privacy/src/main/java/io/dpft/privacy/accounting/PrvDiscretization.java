package io.dpft.privacy.accounting;

import org.apache.commons.math3.analysis.integration.gauss.GaussIntegrator;
import org.apache.commons.math3.analysis.integration.gauss.GaussIntegratorFactory;

/**
 * One step's PRV truncated, rounded to the mesh and shifted back to its mean: the first loop of
 * Algorithm 1 (ComposePRV) of Gopi, Lee &amp; Wutschitz 2021.
 *
 * <p>With the PRV Y truncated to the mesh cells it can reach with more than the allowed tail
 * mass, Y^L = Y | a &lt; Y ≤ b, the cell of point m·h is (m·h − h/2, m·h + h/2] and gets the
 * mass P[Y^L in cell] from the closed-form CDF (survival function above 0, so tails keep their
 * relative precision). The rounded variable m·h is then shifted by
 *
 * <pre>  μ = E[Y^L] − E[round(Y^L)] = Σ_m ∫_cell (t − m·h)·f(t) dt / P[a &lt; Y ≤ b],</pre>
 *
 * so that rounding errors have mean zero and add up like a random walk (the paper's mean
 * correction, which keeps the mesh at O(1/√k)). Each cell's integral uses 3-point
 * Gauss–Legendre quadrature, exact to h^7 for the smooth density.
 */
final class PrvDiscretization {
  private static final GaussIntegrator LEGENDRE = new GaussIntegratorFactory().legendre(3);

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
    double truncated = prv.cdf((first - 0.5) * h) + prv.survival((last + 0.5) * h);

    double[] pmf = new double[size];
    double lowerCdf = first <= 0 ? prv.cdf((first - 0.5) * h) : Double.NaN;
    double lowerSurvival = first >= 1 ? prv.survival((first - 0.5) * h) : Double.NaN;
    double total = 0;
    double moment = 0;
    for (int m = first; m <= last; m++) {
      double upperEdge = (m + 0.5) * h;
      double mass;
      if (m >= 1) {
        double upperSurvival = prv.survival(upperEdge);
        mass = lowerSurvival - upperSurvival;
        lowerSurvival = upperSurvival;
      } else {
        double upperCdf = prv.cdf(upperEdge);
        mass = upperCdf - lowerCdf;
        lowerCdf = upperCdf;
        if (m == 0) {
          lowerSurvival = prv.survival(upperEdge);
        }
      }
      pmf[Math.floorMod(m, size)] = mass;
      total += mass;
      moment += cellMoment(prv, m * h, h);
    }
    for (int m = first; m <= last; m++) {
      pmf[Math.floorMod(m, size)] /= total;
    }
    double meanShift = moment / total;
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

  /** The index of the cell (m·h − h/2, m·h + h/2] holding t. */
  private static int cellOf(double t, double h) {
    return (int) Math.ceil(t / h - 0.5);
  }

  /** ∫ (t − centre)·f(t) dt over the cell around {@code centre}, by Gauss–Legendre. */
  private static double cellMoment(PrvSubsampledGaussian prv, double centre, double h) {
    double halfH = h / 2;
    double sum = 0;
    for (int i = 0; i < LEGENDRE.getNumberOfPoints(); i++) {
      double x = LEGENDRE.getPoint(i);
      if (x != 0) {
        sum += LEGENDRE.getWeight(i) * x * halfH * prv.density(centre + x * halfH);
      }
    }
    return sum * halfH;
  }
}
