package io.dpft.privacy.bench;

import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.PrivacyLoss;
import io.dpft.privacy.accounting.PrvAccountant;
import java.util.List;
import pl.edu.icm.jlargearrays.ConcurrencyUtils;

/**
 * Wall time of one PRV ε query for a long run: σ = 1.0, q = 0.01, 100,000 steps, δ = 1e-5 (the
 * first call in a fresh JVM, then the median after warm-up). Run with:
 *
 * <pre>
 * mvn -q -o -pl dpft-privacy test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.dpft.privacy.bench.PrvBench
 * </pre>
 */
public final class PrvBench {
  private PrvBench() {}

  public static void main(String[] args) {
    List<MechanismSegment> history = List.of(new MechanismSegment(1.0, 0.01, 100_000));
    double delta = 1e-5;
    PrvAccountant accountant = new PrvAccountant();
    System.out.printf(
        "JDK %s, %d cores%n", Runtime.version(), Runtime.getRuntime().availableProcessors());
    long start = System.nanoTime();
    PrivacyLoss.Prv loss = accountant.epsilon(history, delta);
    System.out.printf(
        "prv epsilon %.4f in [%.4f, %.4f], first call (cold JVM) %.3f s%n",
        loss.epsilon(), loss.epsilonLower(), loss.epsilonUpper(), (System.nanoTime() - start) / 1e9);
    BenchTimer.millis(
        "prv epsilon, T=100000, sigma=1, q=0.01", 2, 5, () -> accountant.epsilon(history, delta));
    // JTransforms' worker pool is not daemon and would keep the JVM alive for a minute.
    ConcurrencyUtils.shutdownThreadPoolAndAwaitTermination();
  }
}
