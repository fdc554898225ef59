package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.privacy.accounting.PrivacyLedger;
import io.dpft.privacy.accounting.PrivacyLoss;
import io.dpft.privacy.accounting.PrvAccountant;
import io.dpft.privacy.accounting.RdpAccountant;
import io.dpft.privacy.calibration.Calibration;
import io.dpft.privacy.calibration.NoiseCalibrator;
import io.dpft.privacy.sampling.SamplingSchedule;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's "Library example in Java", compiled and run: {@link #example()} holds the same lines
 * as the README's code block, and {@link #readme_javaBlock_isTheCodeOfThisTest()} fails when the
 * two drift apart.
 */
class ReadmeLibraryExampleTest {
  private static final Path THIS_SOURCE =
      Path.of("src", "test", "java", "io", "dpft", "cli", "ReadmeLibraryExampleTest.java");

  private record Result(double noiseMultiplier, PrivacyLoss rdp, PrivacyLoss.Prv prv) {}

  private static Result example() {
    // 50,000 examples, expected batch size 256, 10 epochs: q = 256/50,000, T = ⌊10/q⌋ = 1,953
    double sampleRate = SamplingSchedule.sampleRate(256, 50_000);
    SamplingSchedule schedule = SamplingSchedule.ofEpochs(sampleRate, 10);
    double targetDelta = 1e-5;

    // the smallest noise multiplier σ with ε ≤ 3 at δ = 1e-5 under RDP
    Calibration calibration =
        NoiseCalibrator.calibrate(
            new RdpAccountant(), 3.0, targetDelta, schedule.sampleRate(), schedule.steps());
    double noiseMultiplier = calibration.noiseMultiplier();

    // training records its steps in a ledger; any accountant reads the ledger
    PrivacyLedger ledger = new PrivacyLedger();
    ledger.record(noiseMultiplier, schedule.sampleRate(), schedule.steps());
    PrivacyLoss rdp = new RdpAccountant().epsilon(ledger.history(), targetDelta);
    PrivacyLoss.Prv prv = new PrvAccountant().epsilon(ledger.history(), targetDelta);
    System.out.printf(
        "σ = %.4f: ε = %.3f (RDP), ε = %.3f in [%.3f, %.3f] (PRV)%n",
        noiseMultiplier, rdp.epsilon(), prv.epsilon(), prv.epsilonLower(), prv.epsilonUpper());
    return new Result(noiseMultiplier, rdp, prv);
  }

  @Test
  void example_calibratedSigmaStaysWithinTheTarget() {
    Result result = example();

    assertThat(result.noiseMultiplier()).isPositive();
    assertThat(result.rdp().epsilon()).isLessThanOrEqualTo(3.0);
    assertThat(result.prv().epsilonLower()).isLessThanOrEqualTo(result.prv().epsilon());
    assertThat(result.prv().epsilon()).isLessThanOrEqualTo(result.prv().epsilonUpper());
  }

  @Test
  void readme_javaBlock_isTheCodeOfThisTest() throws IOException {
    ReadmeBlocks.assertBlockIsIn(0, THIS_SOURCE);
  }
}
