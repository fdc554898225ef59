package io.dpft.core.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.dp.Clipping;
import io.dpft.core.io.SafetensorsReader;
import io.dpft.core.nn.Precision;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.StepReport;
import io.dpft.core.train.TrainingCheckpoint;
import io.dpft.core.train.RunOutput;
import io.dpft.core.train.TrainingConfig;
import io.dpft.core.train.TrainingListener;
import io.dpft.data.datasets.table.E2eReader;
import io.dpft.data.datasets.table.TableToTextDataset;
import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.RdpAccountant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny reference GPT-2 fine-tuned on a generated E2E-style file ({@link TinyE2e}): 40
 * training rows, logical batch 8 (q = 0.2, 5 steps per epoch).
 */
class CausalLmJobTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TRAIN_ROWS = 40;

  @TempDir Path dir;
  private Path model;
  private CausalLmJob.Spec spec;

  @BeforeEach
  void data() throws IOException {
    model = TinyE2e.modelDirectory(dir.resolve("model"));
    TableToTextDataset train =
        E2eReader.read(TinyE2e.csv(dir.resolve("train.csv"), TinyE2e.rows(TRAIN_ROWS, 0)), false);
    TableToTextDataset validation =
        E2eReader.read(TinyE2e.csv(dir.resolve("valid.csv"), TinyE2e.rows(6, 3)), false);
    spec = new CausalLmJob.Spec(
        "gpt2-tiny", model, "train.csv", train, validation, validation, 32, 4, 12);
  }

  private static FineTuningRun.Settings settings(
      FineTuningMethod method, PrivacyTarget privacy, double epochs) {
    return new FineTuningRun.Settings(
        method, epochs, 8, 8, OptimizerConfig.Adam.defaults(), 3e-3, 0, privacy,
        TrainingConfig.Sampling.POISSON, OptionalLong.of(17), RunOutput.defaults(),
        Precision.FP32);
  }

  private FineTuningRun.Result run(Path runDir, FineTuningRun.Settings settings,
      boolean resume, TrainingListener listener) throws IOException {
    try (PointerScope scope = new PointerScope()) {
      return CausalLmJob.run(spec, settings, runDir, resume, listener);
    }
  }

  private static List<Double> trainLosses(Path runDir) throws IOException {
    List<Double> losses = new ArrayList<>();
    for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
      JsonNode node = JSON.readTree(line);
      if (node.path("type").asText().equals("train") && node.path("samples").asInt() > 0) {
        losses.add(node.path("loss").asDouble());
      }
    }
    return losses;
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }

  @Test
  void nonPrivateFullFineTuning_lowersTheLossAndRaisesBleu() throws IOException {
    Path runDir = dir.resolve("run");
    FineTuningRun.Result result =
        run(runDir, settings(new FineTuningMethod.Full(), new PrivacyTarget.None(), 6), false,
            new TrainingListener() {});

    assertThat(result.completed()).isTrue();
    List<Double> losses = trainLosses(runDir);
    assertThat(losses).hasSizeGreaterThan(20);
    // mean summed target loss per row: first five steps against the last five
    assertThat(mean(losses.subList(losses.size() - 5, losses.size())))
        .isLessThan(0.5 * mean(losses.subList(0, 5)));
    assertThat(result.validation().get(CausalLmJob.BLEU))
        .isGreaterThan(result.zeroTraining().get(CausalLmJob.BLEU) + 10);
    assertThat(result.validation().get(CausalLmJob.PROMPTS)).isEqualTo(4.0); // evalPrompts
    RunManifest manifest = RunManifest.read(runDir);
    assertThat(manifest.task()).isEqualTo("causal-lm");
    assertThat(manifest.maxLength()).isEqualTo(32);
    assertThat(manifest.labels()).isEmpty();
    assertThat(manifest.datasetSizes()).containsEntry("train", TRAIN_ROWS);
    assertThat(runDir.resolve("checkpoint").resolve(TrainingCheckpoint.TRAINABLE)).isRegularFile();
  }

  @Test
  void fixedNoiseBitFit_recordsSigmaAndTheEpsilonOfAnIndependentAccountant() throws IOException {
    Path runDir = dir.resolve("run");
    double sigma = 1.2;
    FineTuningRun.Result result =
        run(runDir, settings(new FineTuningMethod.BitFit(false),
            new PrivacyTarget.FixedNoise(sigma, 1e-5, 1.0, new Clipping.Abadi(), AccountantKind.RDP),
            2), false, new TrainingListener() {});

    double q = 8.0 / TRAIN_ROWS;
    double epsilon = new RdpAccountant()
        .epsilon(List.of(new MechanismSegment(sigma, q, 10)), 1e-5).epsilon();
    assertThat(result.epsilon()).isCloseTo(epsilon, within(1e-9)).isGreaterThan(0);
    RunManifest.PrivacySettings privacy = RunManifest.read(runDir).privacy();
    assertThat(privacy.dp()).isTrue();
    assertThat(privacy.noiseMultiplier()).isEqualTo(sigma);
    assertThat(privacy.steps()).isEqualTo(10);
    List<String> lines = Files.readAllLines(runDir.resolve("metrics.jsonl"));
    JsonNode last = null;
    for (String line : lines) {
      JsonNode node = JSON.readTree(line);
      if (node.path("type").asText().equals("train")) {
        last = node;
      }
    }
    assertThat(last.path("epsilon").asDouble()).isCloseTo(epsilon, within(1e-9));
    // BiTFiT: only biases in the checkpoint, never the tied embedding
    try (SafetensorsReader reader = SafetensorsReader.open(
        runDir.resolve("checkpoint").resolve(TrainingCheckpoint.TRAINABLE))) {
      assertThat(reader.names()).isNotEmpty().allMatch(n -> n.endsWith(".bias"));
    }
  }

  @Test
  void resumeAfterACrash_endsWithTheParametersOfAnUninterruptedRun() throws IOException {
    FineTuningRun.Settings settings = settings(new FineTuningMethod.BitFit(false),
        new PrivacyTarget.FixedNoise(0.8, 1e-5, 1.0, new Clipping.Abadi(), AccountantKind.RDP), 2);
    Path whole = dir.resolve("whole");
    run(whole, settings, false, new TrainingListener() {});

    Path crashed = dir.resolve("crashed");
    TrainingListener crashAtStep7 = new TrainingListener() {
      @Override
      public void onStep(StepReport report) {
        if (report.step() == 6) { // the checkpoint after epoch 1 (step 5) is on disk
          throw new IllegalStateException("simulated crash");
        }
      }
    };
    assertThatThrownBy(() -> run(crashed, settings, false, crashAtStep7))
        .hasMessage("simulated crash");
    FineTuningRun.Result resumed = run(crashed, settings, true, new TrainingListener() {});

    assertThat(resumed.steps()).isEqualTo(10);
    try (PointerScope scope = new PointerScope();
        SafetensorsReader a = SafetensorsReader.open(
            whole.resolve("checkpoint").resolve(TrainingCheckpoint.TRAINABLE));
        SafetensorsReader b = SafetensorsReader.open(
            crashed.resolve("checkpoint").resolve(TrainingCheckpoint.TRAINABLE))) {
      assertThat(b.names()).containsExactlyElementsOf(a.names());
      for (String name : a.names()) {
        assertThat(a.read(name).equal(b.read(name))).as(name).isTrue();
      }
    }
  }

  @Test
  void dpFullFineTuning_trainsTheTiedEmbedding() throws IOException {
    Path runDir = dir.resolve("run");
    FineTuningRun.Result result = run(runDir, settings(new FineTuningMethod.Full(),
            new PrivacyTarget.FixedNoise(1, 1e-5, 1.0, new Clipping.Abadi(), AccountantKind.RDP),
            1), false, new TrainingListener() {});

    assertThat(result.completed()).isTrue();
    assertThat(RunManifest.read(runDir).method()).isEqualTo("full");
    try (SafetensorsReader reader = SafetensorsReader.open(
        runDir.resolve("checkpoint").resolve(TrainingCheckpoint.TRAINABLE))) {
      assertThat(reader.names()).contains("transformer.wte.weight", "transformer.h.0.attn.c_attn.weight");
    }
  }

  @Test
  void lastLayer_trainsNothingAndIsRefused() {
    assertThatThrownBy(() -> run(dir.resolve("run"), settings(new FineTuningMethod.LastLayer(),
            new PrivacyTarget.None(), 1), false, new TrainingListener() {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("last-layer trains no parameter");
  }
}
