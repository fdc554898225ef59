package io.dpft.privacy.bench;

import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.PrivacyLoss;
import io.dpft.privacy.accounting.PrvAccountant;
import java.util.List;
import pl.edu.icm.jlargearrays.ConcurrencyUtils;

/**
 * Wall time of one PRV ε query for a long run: σ = 1.0, q = 0.01, 100,000 steps, δ = 1e-5.
 * Run with {@code mvn -q -pl dpft-privacy test-compile exec:java
 * -Dexec.mainClass=io.dpft.privacy.bench.PrvBench -Dexec.classpathScope=test}, or with java on
 * the test classpath. Prints the first (cold) call and the median of the following calls.
 */
public final class PrvBench {
  private PrvBench() {}

  public static void main(String[] args) {
    int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    List<MechanismSegment> history = List.of(new MechanismSegment(1.0, 0.01, 100_000));
    PrvAccountant accountant = new PrvAccountant();
    long[] nanos = new long[repeats];
    PrivacyLoss.Prv loss = null;
    for (int r = 0; r < repeats; r++) {
      long start = System.nanoTime();
      loss = accountant.epsilon(history, 1e-5);
      nanos[r] = System.nanoTime() - start;
      System.out.printf("run %d: %.3f s%n", r, nanos[r] / 1e9);
    }
    long[] warm = java.util.Arrays.copyOfRange(nanos, Math.min(1, repeats - 1), repeats);
    java.util.Arrays.sort(warm);
    System.out.printf(
        "PRV sigma=1.0 q=0.01 steps=100000 delta=1e-5: epsilon %.4f in [%.4f, %.4f]%n",
        loss.epsilon(), loss.epsilonLower(), loss.epsilonUpper());
    System.out.printf(
        "cold %.3f s, warm median %.3f s (%d cores)%n",
        nanos[0] / 1e9, warm[warm.length / 2] / 1e9, Runtime.getRuntime().availableProcessors());
    // JTransforms' worker pool is not daemon and would keep the JVM alive for a minute.
    ConcurrencyUtils.shutdownThreadPoolAndAwaitTermination();
  }
}
