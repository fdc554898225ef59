package io.dpft.privacy.accounting;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import org.jtransforms.fft.DoubleFFT_1D;

/**
 * Composes discretised PRVs by circular convolution in the Fourier domain: the second step of
 * Algorithm 1 (ComposePRV) of Gopi, Lee &amp; Wutschitz 2021, where the sum of independent PRVs
 * on the mesh is taken modulo 2L. A segment of T identical steps contributes DFT(p)^T (its
 * T-fold self-convolution, Section 5 of the paper), segments multiply, and one inverse transform
 * returns the composed probabilities.
 *
 * <p>Powers are taken by repeated squaring in complex arithmetic (about 2·log₂T products per
 * frequency); a frequency whose running base falls below 10^(−100) in modulus is set to zero,
 * since its contribution to any probability is smaller still. Single use, not thread-safe.
 */
final class PrvFourierComposer {
  private static final double NEGLIGIBLE_SQUARED_MODULUS = 1e-200;
  /** Packed entries per parallel task (even). */
  private static final int CHUNK = 1 << 16;

  private final int size;
  private final DoubleFFT_1D fft;
  private double[] spectrum;

  PrvFourierComposer(int size) {
    this.size = size;
    this.fft = new DoubleFFT_1D(size);
  }

  /**
   * Adds {@code steps} independent copies of the PRV with probabilities {@code circularPmf}; the
   * array is overwritten with its transform.
   */
  void add(double[] circularPmf, long steps) {
    if (circularPmf.length != size) {
      throw new IllegalArgumentException(
          "circularPmf must have " + size + " entries, got " + circularPmf.length);
    }
    double[] a = circularPmf;
    fft.realForward(a);
    // JTransforms' packed layout for even sizes: a[0] = Re X_0, a[1] = Re X_{n/2},
    // a[2k], a[2k+1] = Re, Im X_k for 0 < k < n/2.
    a[0] = Math.pow(a[0], steps);
    a[1] = Math.pow(a[1], steps);
    forEachFrequency(i -> power(a, i, steps));
    if (spectrum == null) {
      spectrum = a;
      return;
    }
    double[] s = spectrum;
    s[0] *= a[0];
    s[1] *= a[1];
    forEachFrequency(
        i -> {
          double re = s[i] * a[i] - s[i + 1] * a[i + 1];
          s[i + 1] = s[i] * a[i + 1] + s[i + 1] * a[i];
          s[i] = re;
        });
  }

  /** Runs {@code action} on the packed index 2k of every complex frequency 0 &lt; k &lt; n/2. */
  private void forEachFrequency(IntConsumer action) {
    int chunks = (size + CHUNK - 1) / CHUNK;
    IntStream.range(0, chunks)
        .parallel()
        .forEach(
            c -> {
              for (int i = Math.max(2, c * CHUNK); i < Math.min(size, (c + 1) * CHUNK); i += 2) {
                action.accept(i);
              }
            });
  }

  /**
   * The composed probabilities, index m mod size holding the point m·h (before shifting). Call
   * once: the spectrum is transformed back in place.
   */
  double[] result() {
    if (spectrum == null) {
      throw new IllegalStateException("nothing was added to compose");
    }
    double[] pmf = spectrum;
    spectrum = null;
    fft.realInverse(pmf, true);
    return pmf;
  }

  /** Replaces the complex number at a[i], a[i+1] by its {@code exponent}-th power. */
  private static void power(double[] a, int i, long exponent) {
    double baseRe = a[i];
    double baseIm = a[i + 1];
    double re = 1;
    double im = 0;
    long e = exponent;
    while (true) {
      if ((e & 1) != 0) {
        double t = re * baseRe - im * baseIm;
        im = re * baseIm + im * baseRe;
        re = t;
      }
      e >>= 1;
      if (e == 0) {
        break;
      }
      double t = baseRe * baseRe - baseIm * baseIm;
      baseIm = 2 * baseRe * baseIm;
      baseRe = t;
      if (baseRe * baseRe + baseIm * baseIm < NEGLIGIBLE_SQUARED_MODULUS) {
        re = 0;
        im = 0;
        break;
      }
    }
    a[i] = re;
    a[i + 1] = im;
  }
}
