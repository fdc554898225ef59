package io.dpft.privacy.bench;

import io.dpft.privacy.noise.SecureGaussian;
import io.dpft.privacy.sampling.PoissonSampler;
import java.security.SecureRandom;

/**
 * Throughput of {@link SecureGaussian} (secure and seeded) against the JDK's {@code
 * SecureRandom.nextGaussian()}, and of {@link PoissonSampler}. Run with:
 *
 * <pre>
 * mvn -q -o -pl dpft-privacy test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.dpft.privacy.bench.NoiseBench
 * </pre>
 */
public final class NoiseBench {
  private static final int COORDINATES = 1_000_000;

  private NoiseBench() {}

  public static void main(String[] args) throws Exception {
    float[] out = new float[COORDINATES];
    SecureGaussian secure = SecureGaussian.secure();
    SecureGaussian seeded = SecureGaussian.seededForReproducibility(1);
    BenchTimer.millis("SecureGaussian.secure() fill 1M floats", 5, 20, () -> secure.fill(out, 1.0));
    BenchTimer.millis(
        "SecureGaussian.seeded...() fill 1M floats", 5, 20, () -> seeded.fill(out, 1.0));
    SecureRandom drbg = SecureRandom.getInstance("DRBG");
    BenchTimer.millis(
        "SecureRandom(DRBG).nextGaussian() x 100k (x10 = per 1M)", 2, 5,
        () -> {
          for (int i = 0; i < COORDINATES / 10; i++) {
            out[i] = (float) drbg.nextGaussian();
          }
        });
    PoissonSampler sampler = PoissonSampler.secure(1_000_000, 0.001);
    BenchTimer.millis("PoissonSampler N=1M, q=0.001: one batch", 200, 1000, sampler::nextBatch);
  }
}
