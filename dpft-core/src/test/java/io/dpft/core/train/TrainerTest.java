package io.dpft.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.dp.PatchClassifier;
import io.dpft.core.nn.TestTensors;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.accounting.RdpAccountant;
import io.dpft.privacy.accounting.MechanismSegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
  private static final int N = ColourTask.N;
  private static final int LABELS = ColourTask.LABELS;

  private static PatchClassifier model() {
    torch.manual_seed(5);
    return new PatchClassifier(LABELS);
  }

  private static TrainingConfig config(FineTuningMethod method, Privacy privacy, double epochs) {
    return new TrainingConfig(
        method,
        "head",
        epochs,
        8,
        OptimizerConfig.AdamW.defaults(),
        0.05,
        0.1,
        privacy,
        TrainingConfig.Sampling.POISSON,
        OptionalLong.of(1234));
  }

  private static Privacy dp(double budget) {
    return new Privacy.Private(DpSgdConfig.abadi(0.8, 0.5), 1e-5, AccountantKind.RDP, budget);
  }

  @Test
  void resume_afterCheckpoint_reproducesTheUninterruptedRunExactly(@TempDir Path dir)
      throws Exception {
    // two-phase: full fine-tuning for 1 epoch (6 steps), then BiTFiT; checkpoints inside phase 1,
    // exactly at the phase boundary and inside phase 2 (which must keep phase 1's weights)
    FineTuningMethod twoPhase =
        new FineTuningMethod.TwoPhase(new FineTuningMethod.Full(), 1, new FineTuningMethod.BitFit(false));
    TrainingConfig config = config(twoPhase, dp(Double.POSITIVE_INFINITY), 2);
    Map<String, float[]> uninterrupted;
    List<MechanismSegment> ledger;
    try (PatchClassifier model = model();
        ColourTask task = new ColourTask(model, 99);
        Trainer<int[]> trainer = new Trainer<>(model, task, config)) {
      assertThat(trainer.totalSteps()).isEqualTo(12);
      assertThat(trainer.run(new TrainingListener() {})).isTrue();
      uninterrupted = snapshot(model);
      ledger = trainer.ledger().history();
    }
    for (long stopAt : new long[] {4, 6, 8}) {
      Path checkpoint = dir.resolve("at-" + stopAt);
      try (PatchClassifier model = model();
          ColourTask task = new ColourTask(model, 99);
          Trainer<int[]> trainer = new Trainer<>(model, task, config)) {
        trainer.run(stopAt, new TrainingListener() {});
        TrainingCheckpoint.save(checkpoint, trainer);
      }
      try (PatchClassifier model = model();
          ColourTask task = new ColourTask(model, 99);
          Trainer<int[]> trainer = new Trainer<>(model, task, config)) {
        TrainingCheckpoint.resume(checkpoint, model, trainer);
        assertThat(trainer.step()).isEqualTo(stopAt);
        assertThat(trainer.run(new TrainingListener() {})).isTrue();
        assertThat(trainer.ledger().history()).isEqualTo(ledger);
        Map<String, float[]> resumed = snapshot(model);
        assertThat(resumed.keySet()).isEqualTo(uninterrupted.keySet());
        resumed.forEach((name, v) -> assertThat(v).as(name).containsExactly(uninterrupted.get(name)));
      }
    }
    assertThat(ledger).containsExactly(new MechanismSegment(0.8, 8.0 / N, 12));
  }

  @Test
  void budget_stopsBeforeExceedingIt() {
    double budget = 10.0;
    List<String> stops = new ArrayList<>();
    try (PatchClassifier model = model();
        ColourTask task = new ColourTask(model, 99);
        Trainer<int[]> trainer =
            new Trainer<>(model, task, config(new FineTuningMethod.BitFit(false), dp(budget), 200))) {
      boolean finished =
          trainer.run(
              new TrainingListener() {
                @Override
                public void onStop(String reason) {
                  stops.add(reason);
                }
              });
      assertThat(finished).isFalse();
      assertThat(stops).singleElement().asString().contains("budget");
      long steps = trainer.ledger().totalSteps();
      assertThat(steps).isPositive().isLessThan(trainer.totalSteps());
      // independent check with the accountant: the steps taken fit, one more would not
      RdpAccountant rdp = new RdpAccountant();
      assertThat(rdp.epsilon(List.of(new MechanismSegment(0.8, 8.0 / N, steps)), 1e-5).epsilon())
          .isLessThanOrEqualTo(budget);
      assertThat(rdp.epsilon(List.of(new MechanismSegment(0.8, 8.0 / N, steps + 1)), 1e-5).epsilon())
          .isGreaterThan(budget);
    }
  }

  @Test
  void nonPrivateFullTraining_learnsALearnableTask() {
    List<Double> losses = new ArrayList<>();
    try (PatchClassifier model = model();
        ColourTask task = new ColourTask(model, 99);
        Trainer<int[]> trainer =
            new Trainer<>(model, task, config(new FineTuningMethod.Full(), new Privacy.NonPrivate(), 30))) {
      trainer.run(
          new TrainingListener() {
            @Override
            public void onStep(StepReport report) {
              if (report.samples() > 0) {
                losses.add(report.loss());
              }
            }
          });
      assertThat(trainer.ledger().totalSteps()).isZero();
    }
    double first = losses.subList(0, 10).stream().mapToDouble(d -> d).average().orElseThrow();
    double last = losses.subList(losses.size() - 10, losses.size()).stream().mapToDouble(d -> d).average().orElseThrow();
    assertThat(last).isLessThan(0.6 * first);
  }

  @Test
  void bitFit_trainsOnlyBiasesAndHead() {
    try (PatchClassifier model = model()) {
      new FineTuningMethod.BitFit(false).apply(model, "head");
      List<String> trainable = new ArrayList<>();
      model.parameters().forEach((name, p) -> {
        if (p.isTrainable()) {
          trainable.add(name);
        }
      });
      assertThat(trainable).containsExactly("patch.bias", "norm.bias", "head.weight", "head.bias");
    }
  }

  private static Map<String, float[]> snapshot(PatchClassifier model) {
    return TestTensors.parameterValues(model);
  }
}
