package io.dpft.privacy.bench;

import io.dpft.privacy.accounting.GdpAccountant;
import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.PrivacyAccountant;
import io.dpft.privacy.accounting.RdpAccountant;
import io.dpft.privacy.calibration.NoiseCalibrator;
import java.util.List;

/**
 * ε after T = 100,000 steps (σ = 1.0, q = 0.01, δ = 1e-5) for each accountant, and a full
 * calibration, timed after JIT warm-up. Run with:
 *
 * <pre>
 * mvn -q -o -pl dpft-privacy test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.dpft.privacy.bench.AccountantBench
 * </pre>
 */
public final class AccountantBench {
  private AccountantBench() {}

  public static void main(String[] args) {
    List<MechanismSegment> history = List.of(new MechanismSegment(1.0, 0.01, 100_000));
    double delta = 1e-5;
    System.out.printf(
        "JDK %s, %d cores%n",
        Runtime.version(), Runtime.getRuntime().availableProcessors());
    for (PrivacyAccountant accountant : List.of(new RdpAccountant(), new GdpAccountant())) {
      System.out.printf(
          "%s: %s%n", accountant.name(), accountant.epsilon(history, delta));
      BenchTimer.millis(
          accountant.name() + " epsilon, T=100000, sigma=1, q=0.01", 20, 50,
          () -> accountant.epsilon(history, delta));
      BenchTimer.millis(
          accountant.name() + " calibrate eps=8, delta=1e-5, q=0.04, T=2250", 2, 10,
          () -> NoiseCalibrator.calibrate(accountant, 8, delta, 0.04, 2250));
    }
  }
}
