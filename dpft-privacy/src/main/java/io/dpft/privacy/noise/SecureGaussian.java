package io.dpft.privacy.noise;

import io.dpft.privacy.PrivacyChecks;
import io.dpft.privacy.random.AesCtrRandom;
import io.dpft.privacy.random.StreamKey;
import java.nio.FloatBuffer;
import java.util.random.RandomGenerator;

/**
 * Gaussian noise N(0, std²) for DP-SGD, drawn in bulk from a cryptographically secure generator.
 *
 * <p><b>Where the randomness comes from.</b> By default ({@link #secure()}) every fill call takes
 * a fresh 256-bit key from a {@link java.security.SecureRandom} DRBG and expands it with AES-256
 * in counter mode ({@link AesCtrRandom}), the construction of NIST SP 800-90A CTR_DRBG. The bits
 * are computationally indistinguishable from uniform to anyone who does not hold the key, and
 * because the key is never reused, learning the internal state during one call reveals nothing
 * about the noise of earlier or later calls. A fast statistical generator (e.g. xorshift) seeded
 * from SecureRandom would be a few times faster, but its state can be reconstructed from enough
 * outputs — and an adversary who knows the clipped gradient sum (all but one example) sees the
 * noise itself. The JDK's {@code SecureRandom.nextGaussian()} is secure too, but far slower
 * ({@code io.dpft.privacy.bench.NoiseBench}; docs/performance.md).
 *
 * <p>{@link #seededForReproducibility(long)} uses a key derived from the seed, so a run can be
 * repeated exactly; the noise is then predictable to anyone who knows the seed and the run offers
 * no privacy against them. {@link #isSecure()} tells reports which mode was used.
 *
 * <p><b>From bits to Gaussians.</b> {@link RandomGenerator#nextGaussian()}: the JDK's modified
 * ziggurat (McFarland 2016), one 64-bit draw per sample nearly always, scaled by std in double
 * precision and rounded once to the output type.
 *
 * <p><b>Known limitation: floating point.</b> Mironov (2012, "On Significance of the Least
 * Significant Bits for Differential Privacy") showed that textbook floating-point samplers leak
 * through which doubles they can and cannot output; Jin et al. (2022, "Are We There Yet? Timing
 * and Floating-Point Attacks on Differential Privacy Systems") extended this to Gaussian samplers
 * used for DP-SGD, and also showed timing side channels (the ziggurat's rare slow path is one).
 * This class does not defend against either: the guarantee holds for the idealised real-valued
 * mechanism. A discrete Gaussian on a fine lattice (Canonne, Kamath, Steinke 2020) would close the
 * floating-point gap; for DP-SGD, where noise of std σC ≫ one ulp is added to float32 gradients
 * and then passes through the optimiser, no practical attack is known, but none is ruled out.
 *
 * <p>Not thread-safe: one instance per training loop.
 */
public final class SecureGaussian {
  /** Samples per bulk copy into a buffer. */
  static final int CHUNK = 4096;

  private final AesCtrRandom seededStream;

  private SecureGaussian(AesCtrRandom seededStream) {
    this.seededStream = seededStream;
  }

  /** Noise from the secure generator, re-keyed from SecureRandom on every fill call. */
  public static SecureGaussian secure() {
    return new SecureGaussian(null);
  }

  /**
   * Reproducible noise from a seed: the same seed gives the same sequence of fills. Not private
   * against anyone who knows the seed — use only for debugging and reproducing experiments.
   */
  public static SecureGaussian seededForReproducibility(long seed) {
    return new SecureGaussian(StreamKey.fromSeed("noise", seed).stream(0));
  }

  /** True unless this instance was seeded for reproducibility. */
  public boolean isSecure() {
    return seededStream == null;
  }

  /** Fills {@code out} with independent N(0, std²) samples (std ≥ 0). */
  public void fill(float[] out, double std) {
    PrivacyChecks.nonNegative("std", std);
    RandomGenerator random = generator();
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (std * random.nextGaussian());
    }
  }

  /** Fills {@code out} with independent N(0, std²) samples (std ≥ 0). */
  public void fill(double[] out, double std) {
    PrivacyChecks.nonNegative("std", std);
    RandomGenerator random = generator();
    for (int i = 0; i < out.length; i++) {
      out[i] = std * random.nextGaussian();
    }
  }

  /**
   * Fills the remaining elements of {@code out} (position to limit, e.g. a view of native tensor
   * memory) with independent N(0, std²) samples; the position does not move. The samples are
   * drawn into a Java array and copied over in bulk, {@value #CHUNK} at a time (faster than a put
   * per sample into a direct buffer); they are those {@link #fill(float[], double)} draws.
   */
  public void fill(FloatBuffer out, double std) {
    PrivacyChecks.nonNegative("std", std);
    RandomGenerator random = generator();
    float[] chunk = new float[Math.min(CHUNK, out.remaining())];
    for (int from = out.position(); from < out.limit(); from += chunk.length) {
      int n = Math.min(chunk.length, out.limit() - from);
      for (int k = 0; k < n; k++) {
        chunk[k] = (float) (std * random.nextGaussian());
      }
      out.put(from, chunk, 0, n);
    }
  }

  private RandomGenerator generator() {
    return seededStream != null ? seededStream : StreamKey.generate().stream(0);
  }
}
