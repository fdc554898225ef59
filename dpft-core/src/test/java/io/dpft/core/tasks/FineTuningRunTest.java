package io.dpft.core.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.dp.Clipping;
import io.dpft.core.dp.PatchClassifier;
import io.dpft.core.nn.Precision;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.ColourTask;
import io.dpft.core.train.RunDirectoryLock;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.RunOutput;
import io.dpft.core.train.TrainingConfig;
import io.dpft.core.train.TrainingListener;
import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.RdpAccountant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FineTuningRunTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static FineTuningRun.Settings settings(PrivacyTarget privacy, double epochs) {
    return new FineTuningRun.Settings(
        new FineTuningMethod.Full(),
        epochs,
        8,
        5,
        OptimizerConfig.AdamW.defaults(),
        0.05,
        0.1,
        privacy,
        TrainingConfig.Sampling.POISSON,
        OptionalLong.of(21),
        RunOutput.defaults(),
        Precision.FP32);
  }

  private static FineTuningRun.Subject subject() {
    return new FineTuningRun.Subject(
        "patch-classifier",
        Path.of("/models/patch"),
        TaskKind.IMAGE_CLASSIFICATION,
        "colours",
        List.of("red", "green", "blue"),
        0,
        "",
        Map.of("train", ColourTask.N),
        Map.of());
  }

  private static FineTuningRun.Result run(Path dir, PrivacyTarget privacy, double epochs)
      throws IOException {
    torch.manual_seed(5);
    try (PatchClassifier model = new PatchClassifier(ColourTask.LABELS);
        ColourTask task = new ColourTask(model, 99)) {
      FineTuningRun.Evaluation accuracy = () -> Map.of("accuracy", task.accuracy());
      FineTuningRun.Settings settings = settings(privacy, epochs);
      try (RunDirectoryLock lock = FineTuningRun.open(dir, false, settings)) {
        return FineTuningRun.run(
            model, "head", task, accuracy, accuracy, subject(), settings, lock, false,
            new TrainingListener() {});
      }
    }
  }

  private static List<JsonNode> evals(Path dir, String split) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
      JsonNode node = JSON.readTree(line);
      if (node.path("type").asText().equals("eval") && node.path("split").asText().equals(split)) {
        out.add(node);
      }
    }
    return out;
  }

  @Test
  void nonPrivateRun_writesManifestEvaluationsPerEpochAndCheckpoint(@TempDir Path dir)
      throws IOException {
    // 3 epochs at q = 8/48: validation before training, after epochs 1 and 2, and at the end
    FineTuningRun.Result result = run(dir, new PrivacyTarget.None(), 3);

    assertThat(result.completed()).isTrue();
    assertThat(result.steps()).isEqualTo(18);
    List<JsonNode> validation = evals(dir, "validation");
    assertThat(validation).hasSize(4);
    assertThat(validation.get(0).path("accuracy").asDouble())
        .isEqualTo(result.zeroTraining().get("accuracy"));
    assertThat(validation.get(3).path("accuracy").asDouble())
        .isEqualTo(result.validation().get("accuracy"));
    assertThat(evals(dir, "test")).hasSize(1);
    assertThat(result.validation().get("accuracy"))
        .isGreaterThan(result.zeroTraining().get("accuracy"));
    assertThat(dir.resolve(RunManifest.CHECKPOINT)).isDirectory();

    RunManifest manifest = RunManifest.read(dir);
    assertThat(manifest.task()).isEqualTo("image-classification");
    assertThat(manifest.labels()).containsExactly("red", "green", "blue");
    assertThat(manifest.method()).isEqualTo("full");
    assertThat(manifest.physicalBatchSize()).isEqualTo(5);
    assertThat(manifest.datasetSizes()).containsEntry("train", ColourTask.N);
    assertThat(manifest.privacy().dp()).isFalse();
    assertThat(manifest.privacy().sampleRate()).isEqualTo(8.0 / ColourTask.N);
  }

  @Test
  void targetEpsilon_calibratesSigmaSoTheWholeRunSpendsTheBudget(@TempDir Path dir)
      throws IOException {
    double target = 3.0;
    FineTuningRun.Result result =
        run(
            dir,
            new PrivacyTarget.TargetEpsilon(target, 1e-5, 1.0, new Clipping.Abadi(), AccountantKind.RDP),
            2);

    assertThat(result.completed()).isTrue();
    // independent: a fresh RDP accountant on the recorded σ, q and steps
    double epsilon =
        new RdpAccountant()
            .epsilon(
                List.of(new MechanismSegment(result.noiseMultiplier(), 8.0 / ColourTask.N, 12)),
                1e-5)
            .epsilon();
    assertThat(epsilon).isLessThanOrEqualTo(target * (1 + 1e-6)).isGreaterThan(0.99 * target);
    assertThat(result.epsilon()).isCloseTo(epsilon, within(1e-9));
    RunManifest.PrivacySettings privacy = RunManifest.read(dir).privacy();
    assertThat(privacy.dp()).isTrue();
    assertThat(privacy.targetEpsilon()).isEqualTo(target);
    assertThat(privacy.noiseMultiplier()).isEqualTo(result.noiseMultiplier());
    assertThat(privacy.steps()).isEqualTo(12);
    assertThat(privacy.sampling()).isEqualTo("poisson, seeded(21)");
  }

  @Test
  void fixedNoise_withoutDelta_usesOneOverNToThePowerOnePointOne(@TempDir Path dir)
      throws IOException {
    FineTuningRun.Result result =
        run(
            dir,
            new PrivacyTarget.FixedNoise(1.5, 0, 1.0, new Clipping.Abadi(), AccountantKind.RDP),
            1);

    double delta = Math.pow(ColourTask.N, -1.1);
    assertThat(result.delta()).isEqualTo(delta);
    assertThat(result.noiseMultiplier()).isEqualTo(1.5);
    assertThat(RunManifest.read(dir).privacy().delta()).isEqualTo(delta);
    assertThat(result.epsilon())
        .isCloseTo(
            new RdpAccountant()
                .epsilon(List.of(new MechanismSegment(1.5, 8.0 / ColourTask.N, 6)), delta)
                .epsilon(),
            within(1e-9));
  }

  @Test
  void resume_ofADirectoryWithoutARun_throwsNamingTheMissingConfig(@TempDir Path dir) {
    assertThatThrownBy(() -> FineTuningRun.open(dir, true, settings(new PrivacyTarget.None(), 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("cannot resume")
        .hasMessageContaining("config.json");
  }

  @Test
  void resume_ofADirectoryThatDoesNotExist_throwsAndCreatesNothing(@TempDir Path dir) {
    Path missing = dir.resolve("typo");
    assertThatThrownBy(
            () -> FineTuningRun.open(missing, true, settings(new PrivacyTarget.None(), 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot resume")
        .hasMessageContaining(missing.toString());
    assertThat(missing).doesNotExist();
  }

  @Test
  void freshRun_intoADirectoryHoldingARun_throwsSuggestingResume(@TempDir Path dir)
      throws IOException {
    run(dir, new PrivacyTarget.None(), 1);
    byte[] before = Files.readAllBytes(dir.resolve("metrics.jsonl"));
    assertThatThrownBy(() -> run(dir, new PrivacyTarget.None(), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already holds a run")
        .hasMessageContaining("resume must be set to continue it");
    assertThat(Files.readAllBytes(dir.resolve("metrics.jsonl"))).isEqualTo(before);
  }
}
