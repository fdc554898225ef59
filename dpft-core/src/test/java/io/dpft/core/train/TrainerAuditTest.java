package io.dpft.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.dp.LinearProbe;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.RdpAccountant;
import io.dpft.privacy.audit.AuditResult;
import io.dpft.privacy.audit.AuditSettings;
import io.dpft.privacy.audit.CanaryInclusion;
import io.dpft.privacy.calibration.NoiseCalibrator;
import io.dpft.privacy.random.StreamKey;
import io.dpft.privacy.sampling.SamplingSchedule;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The one-run audit (Steinke, Nasr and Jagielski 2023) of the trainer on a task it can memorize:
 * {@link #BASE} colour images plus {@link #CANARIES} random-label canaries, each included with
 * probability 1/2, learnt by a {@link LinearProbe}. The audit must see the leak of a run without
 * DP and of a run whose noise is 10× below what its accounting assumes, and must not contradict
 * the accounting of honest DP runs.
 */
class TrainerAuditTest {
  private static final int BASE = 60;
  private static final int CANARIES = 100;
  private static final AuditSettings AUDIT = new AuditSettings(CANARIES, 20, 0.95);
  private static final double DELTA = 1e-5;
  private static final double MAX_GRAD_NORM = 1.0;
  private static final int BATCH = 16;
  private static final double EPOCHS = 30;

  /** A run's number of training examples: the base images and the included canaries. */
  private static int trainingSize(long seed) {
    return BASE + inclusion(seed).includedIndices().length;
  }

  private static CanaryInclusion inclusion(long seed) {
    return CanaryInclusion.draw(CANARIES, StreamKey.fromSeed("audit", seed));
  }

  /** σ that the RDP accountant says spends {@code epsilon} over the run. */
  private static double sigmaFor(double epsilon, int n) {
    double q = SamplingSchedule.sampleRate(BATCH, n);
    long steps = SamplingSchedule.ofEpochs(q, EPOCHS).steps();
    return NoiseCalibrator.calibrate(new RdpAccountant(), epsilon, DELTA, q, steps)
        .noiseMultiplier();
  }

  /** What the RDP accountant says a run at σ spends: the ε the run claims. */
  private static double claimedEpsilon(double sigma, int n) {
    double q = SamplingSchedule.sampleRate(BATCH, n);
    long steps = SamplingSchedule.ofEpochs(q, EPOCHS).steps();
    return new RdpAccountant()
        .epsilon(List.of(new MechanismSegment(sigma, q, steps)), DELTA)
        .epsilon();
  }

  /**
   * Trains on the base images plus the included canaries, without DP ({@code engine} null) or
   * with DP-SGD {@code engine}, and audits the run against {@code claim}.
   */
  private static AuditResult audit(long seed, DpSgdConfig engine, OptionalDouble claim) {
    CanaryInclusion inclusion = inclusion(seed);
    torch.manual_seed(seed);
    try (LinearProbe model = new LinearProbe(ColourTask.LABELS);
        ColourCanaries canaries = new ColourCanaries(CANARIES, seed + 1);
        ColourTask task = canaries.withBase(model::forward, BASE, seed + 2, inclusion)) {
      Privacy privacy =
          engine == null
              ? new Privacy.NonPrivate()
              : new Privacy.Private(engine, DELTA, AccountantKind.RDP, Double.POSITIVE_INFINITY);
      TrainingConfig config =
          new TrainingConfig(
              new FineTuningMethod.Full(), "head", EPOCHS, BATCH, OptimizerConfig.Adam.defaults(),
              0.05, 0, privacy, TrainingConfig.Sampling.POISSON, OptionalLong.of(seed));
      try (Trainer<int[]> trainer = new Trainer<>(model, task, config)) {
        trainer.run(new TrainingListener() {});
      }
      return AuditResult.of(canaries.losses(model::forward), inclusion, AUDIT, claim, DELTA);
    }
  }

  @Test
  void withoutDp_theAuditSeesTheCanariesLeak() {
    AuditResult result = audit(1, null, OptionalDouble.empty());
    // chance is 20 of 40; ε̂ > 1 needs at least 35 right (m = 100, r = 40, δ = 1e-5)
    assertThat(result.epsilonLowerBound()).isGreaterThan(1);
  }

  /**
   * Audits seed's run against the claim of σ calibrated for {@code targetEpsilon}, with an engine
   * that adds {@code noiseScale}·σ·C of noise and clips at {@code clipScale}·C (both 1: honest).
   */
  private static AuditResult auditClaim(
      long seed, double targetEpsilon, double noiseScale, double clipScale) {
    int n = trainingSize(seed);
    double sigma = sigmaFor(targetEpsilon, n);
    DpSgdConfig engine =
        DpSgdConfig.abadi(sigma * noiseScale / clipScale, MAX_GRAD_NORM * clipScale);
    return audit(seed, engine, OptionalDouble.of(claimedEpsilon(sigma, n)));
  }

  @Test
  void brokenEngine_noiseTenfoldTooSmallAndNoClipping_isCaughtAboveItsClaim() {
    for (long seed = 1; seed <= 2; seed++) {
      // noise σ/10 · C, clipping at 1000·C: far above any per-sample gradient norm here
      AuditResult result = auditClaim(seed, 1, 0.1, 1000);
      assertThat(result.claimedEpsilon().getAsDouble()).isCloseTo(1, within(1e-3));
      assertThat(result.refutesClaim()).as("seed %d: %s", seed, result).isTrue();
    }
  }

  @Test
  void honestEngine_atTheBrokenOnesClaim_staysWithinIt() {
    for (long seed = 1; seed <= 3; seed++) {
      AuditResult result = auditClaim(seed, 1, 1, 1);
      assertThat(result.refutesClaim()).as("seed %d: %s", seed, result).isFalse();
    }
  }

  @Test
  void honestEngine_atEpsilon8_staysWithinIt() {
    // with r = 40 guesses ε̂ cannot exceed 2.55 (all right): this checks that the audit does not
    // overstate, not that it could reach 8
    for (long seed = 1; seed <= 3; seed++) {
      AuditResult result = auditClaim(seed, 8, 1, 1);
      assertThat(result.claimedEpsilon().getAsDouble()).isCloseTo(8, within(1e-3));
      assertThat(result.epsilonLowerBound()).as("seed %d: %s", seed, result)
          .isLessThanOrEqualTo(8);
    }
  }
}
