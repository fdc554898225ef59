package io.dpft.spark;

import java.security.SecureRandom;
import java.util.OptionalLong;

/**
 * Poisson sampling without shared sampler state, so that every partition can sample its own
 * records: record {@code id} is in step s's logical batch iff u(k_s, id) &lt; q, where the step
 * key k_s = mix(runKey, s) is derived on the driver and u is a SplitMix64 hash of (k_s, id) mapped
 * to [0, 1). Under the hash-as-random-function assumption each record is included independently
 * with probability q at every step, whichever partition or executor holds it, which is what the
 * accountants analyse. The run key is drawn from {@link SecureRandom} unless the run is seeded;
 * like the core's seeded sampler, the hash is statistical, not a cryptographic PRF, so whoever
 * knows the run key knows the batches.
 */
public final class PoissonKeys {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private PoissonKeys() {}

  /** The run key of a seeded run, or one from the operating system's secure random source. */
  public static long runKey(OptionalLong seed) {
    return seed.isPresent() ? splitMix64(seed.getAsLong()) : new SecureRandom().nextLong();
  }

  /** The key of step {@code step} (from 0) of the run keyed {@code runKey}. */
  public static long stepKey(long runKey, long step) {
    return splitMix64(runKey + GOLDEN * (step + 1));
  }

  /** Whether record {@code id} is in the logical batch of the step keyed {@code stepKey}. */
  public static boolean sampled(long stepKey, long id, double sampleRate) {
    long h = splitMix64(stepKey ^ splitMix64(GOLDEN * (id + 1)));
    return (h >>> 11) * 0x1.0p-53 < sampleRate;
  }

  /** The SplitMix64 finaliser: a bijective 64-bit mix whose outputs look independent. */
  private static long splitMix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
