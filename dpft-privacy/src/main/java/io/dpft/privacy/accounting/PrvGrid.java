package io.dpft.privacy.accounting;

import java.util.List;

/**
 * The uniform circular mesh on which PRVs are discretised and composed: {@code size} points
 * m·h for m in [−size/2, size/2), read modulo 2L = size·h (Gopi, Lee &amp; Wutschitz 2021,
 * Algorithm 1 and its error analysis in Section 5).
 *
 * <p><b>Mesh size.</b> Rounding a step's PRV to the mesh and shifting it back to its own mean
 * moves it by a zero-mean amount in an interval of length h, independently per step, so by
 * Hoeffding's inequality the k-fold sum moves by more than ε_err with probability at most
 * 2·exp(−2ε_err²/(k·h²)). The paper's mesh
 *
 * <pre>  h = ε_err / sqrt((k/2)·log(12/δ_err))</pre>
 *
 * makes that probability δ_err/6. We use the largest h within this bound that gives a power of
 * two for the number of points (JTransforms' fastest sizes, with the cheapest set-up).
 *
 * <p><b>Domain.</b> The rest of δ_err is spent so that truncation and wrap-around change δ by
 * less than it:
 *
 * <ul>
 *   <li>δ_err/3: the composed PRV ends above the window; bounded by {@link PrvTailBound};
 *   <li>δ_err/6: it ends below the window; P[Y ≤ −t] ≤ e^(−t) for every PRV (on {Q ≤ e^(−t)P},
 *       Q's mass is at most e^(−t)), so t = log(6/δ_err) suffices;
 *   <li>δ_err/6: truncating each step's PRV (this counts twice in the coupling argument), each of
 *       the k steps and each tail getting δ_err/(24·segments·steps of its segment);
 *   <li>δ_err/6: left for floating-point noise of the FFT, which {@link PrvComposition} checks.
 * </ul>
 *
 * The window edge is pushed out by ε_err (the discretisation drift) and two mesh steps (rounding
 * of the window to the mesh and of the mean shift).
 */
record PrvGrid(double meshSize, int size) {
  /** The largest mesh we allocate: 2^25 points (256 MiB per array). */
  static final int MAX_SIZE = 1 << 25;

  PrvGrid {
    if (!(meshSize > 0) || size < 2 || size % 2 != 0) {
      throw new IllegalArgumentException(
          "PRV grid needs meshSize > 0 and an even size, got " + meshSize + ", " + size);
    }
  }

  /** L: the mesh covers [−L, L). */
  double halfWidth() {
    return size * meshSize / 2;
  }

  /** The grid the error analysis asks for, for a history composed to within (ε_err, δ_err). */
  static PrvGrid choose(List<MechanismSegment> history, double epsError, double deltaError) {
    long compositions = history.stream().mapToLong(MechanismSegment::steps).sum();
    double meshBound = epsError / Math.sqrt(compositions / 2.0 * Math.log(12 / deltaError));
    double edge =
        Math.max(
            PrvTailBound.upperQuantile(history, deltaError / 3), Math.log(6 / deltaError));
    edge += epsError;
    for (MechanismSegment segment : history) {
      PrvSubsampledGaussian prv =
          new PrvSubsampledGaussian(segment.noiseMultiplier(), segment.sampleRate());
      double tail = stepTail(history, segment, deltaError);
      edge = Math.max(edge, Math.max(prv.upperQuantile(tail), -prv.lowerQuantile(tail)));
    }
    double halfWidth = edge + 2 * meshBound;
    double minSize = Math.ceil(2 * halfWidth / meshBound);
    if (minSize > MAX_SIZE) {
      throw new IllegalArgumentException(
          String.format(
              "PRV accounting of %d steps to epsError %s needs a mesh of %.0f points, more than"
                  + " %d; raise epsError or use the RDP accountant",
              compositions, epsError, minSize, MAX_SIZE));
    }
    int size = Integer.highestOneBit(Math.max(2, (int) minSize - 1)) << 1;
    return new PrvGrid(2 * halfWidth / size, size);
  }

  /** The tail mass each step of {@code segment} may lose on each side when truncated. */
  static double stepTail(
      List<MechanismSegment> history, MechanismSegment segment, double deltaError) {
    return deltaError / (24.0 * history.size() * segment.steps());
  }
}
