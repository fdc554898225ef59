package io.dpft.core.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.core.dp.Clipping;
import io.dpft.core.dp.PatchClassifier;
import io.dpft.core.nn.TestTensors;
import io.dpft.core.io.WeightLoader;
import io.dpft.core.nn.Precision;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.ColourTask;
import io.dpft.core.train.RunDirectoryLock;
import io.dpft.core.train.RunFailedException;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.RunOutput;
import io.dpft.core.train.StepReport;
import io.dpft.core.train.TrainingCheckpoint;
import io.dpft.core.train.TrainingConfig;
import io.dpft.core.train.TrainingDivergedException;
import io.dpft.core.train.TrainingListener;
import io.dpft.core.train.TrainingState;
import io.dpft.core.train.TrainingTask;
import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.RdpAccountant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection on whole runs: a run killed at random steps and resumed ends exactly where the
 * uninterrupted run ends, with the same ledger, and that ledger's ε is what an independent
 * accountant gives for the σ, q and steps actually used; plus what a resume must refuse, what a
 * checkpoint must hold, and what a non-finite loss must leave behind.
 */
class RunIntegrityTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double SIGMA = 0.9;
  private static final int BATCH = 8;

  private static FineTuningMethod twoPhase() {
    return new FineTuningMethod.TwoPhase(
        new FineTuningMethod.Full(), 1, new FineTuningMethod.BitFit(false));
  }

  private static PrivacyTarget fixedNoise() {
    return new PrivacyTarget.FixedNoise(SIGMA, 1e-5, 1.0, new Clipping.Abadi(), AccountantKind.RDP);
  }

  private static FineTuningRun.Settings settings(
      FineTuningMethod method, PrivacyTarget privacy, int batch, double lr, long checkpointEvery) {
    return new FineTuningRun.Settings(
        method, 2, batch, 5, OptimizerConfig.AdamW.defaults(), lr, 0.1, privacy,
        TrainingConfig.Sampling.POISSON, OptionalLong.of(21),
        new RunOutput(checkpointEvery, true, Map.of()), Precision.FP32);
  }

  private static FineTuningRun.Settings settings(FineTuningMethod method, long checkpointEvery) {
    return settings(method, fixedNoise(), BATCH, 0.05, checkpointEvery);
  }

  private static FineTuningRun.Subject subject() {
    return new FineTuningRun.Subject(
        "patch-classifier", Path.of("/models/patch"), TaskKind.IMAGE_CLASSIFICATION, "colours",
        List.of("red", "green", "blue"), 0, "", Map.of("train", ColourTask.N), Map.of());
  }

  /** A run's end: its parameters and the result. */
  private record Outcome(Map<String, float[]> parameters, FineTuningRun.Result result) {}

  /** Runs (or resumes) into {@code dir}; {@code listener} may throw to kill the run. */
  private static Outcome run(
      Path dir, FineTuningRun.Settings settings, boolean resume, TrainingListener listener,
      long poisonFromCall)
      throws IOException {
    try (RunDirectoryLock lock = FineTuningRun.open(dir, resume, settings);
        PatchClassifier model = new PatchClassifier(ColourTask.LABELS);
        ColourTask colours = new ColourTask(model, 99)) {
      TrainingTask<int[]> task = poisoned(colours, poisonFromCall);
      FineTuningRun.Evaluation accuracy = () -> Map.of("accuracy", colours.accuracy());
      FineTuningRun.Result result =
          FineTuningRun.run(
              model, "head", task, accuracy, accuracy, subject(), settings, lock, resume,
              listener);
      return new Outcome(snapshot(model), result);
    }
  }

  private static Outcome run(Path dir, FineTuningRun.Settings settings, boolean resume)
      throws IOException {
    return run(dir, settings, resume, new TrainingListener() {}, Long.MAX_VALUE);
  }

  /** {@code task}, whose loss is NaN from its {@code fromCall}-th physical batch on. */
  private static TrainingTask<int[]> poisoned(ColourTask task, long fromCall) {
    return new TrainingTask<>() {
      private long calls;

      @Override
      public int size() {
        return task.size();
      }

      @Override
      public List<int[]> physicalBatches(int[] logicalBatch) {
        return task.physicalBatches(logicalBatch);
      }

      @Override
      public int batchSize(int[] batch) {
        return task.batchSize(batch);
      }

      @Override
      public Tensor lossSum(int[] batch) {
        Tensor loss = task.lossSum(batch);
        return ++calls >= fromCall ? loss.mul(new Scalar(Double.NaN)) : loss;
      }
    };
  }

  /** A listener that kills the run (an exception, as from a crash) once step {@code k} is done. */
  private static TrainingListener killAfter(long k) {
    return new TrainingListener() {
      @Override
      public void onStep(StepReport report) {
        if (report.step() + 1 == k) {
          throw new IllegalStateException("killed after step " + k);
        }
      }
    };
  }

  private static Map<String, float[]> snapshot(PatchClassifier model) {
    return TestTensors.parameterValues(model);
  }

  private static void assertSameParameters(Map<String, float[]> actual, Map<String, float[]> expected) {
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    actual.forEach((name, v) -> assertThat(v).as(name).containsExactly(expected.get(name)));
  }

  private static List<MechanismSegment> ledger(Path dir) throws IOException {
    return TrainingCheckpoint.readState(dir.resolve(RunManifest.CHECKPOINT)).ledger();
  }

  private static List<Long> trainSteps(Path dir) throws IOException {
    List<Long> steps = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
      JsonNode node = JSON.readTree(line);
      if (node.path("type").asText().equals("train")) {
        steps.add(node.path("step").asLong());
      }
    }
    return steps;
  }

  @Test
  void killedAtRandomSteps_resumeEqualsTheUninterruptedRun_andTheLedgerIsWhatWasUsed(
      @TempDir Path dir) throws IOException {
    Random random = new Random(2026);
    for (FineTuningMethod method :
        List.of(new FineTuningMethod.Full(), new FineTuningMethod.BitFit(false),
            new FineTuningMethod.LastLayer(), twoPhase())) {
      FineTuningRun.Settings settings = settings(method, 4);
      Path whole = dir.resolve(method.cliName() + "-whole");
      Outcome uninterrupted = run(whole, settings, false);
      long total = uninterrupted.result().steps();
      assertThat(total).isEqualTo(12);

      Path crashed = dir.resolve(method.cliName() + "-crashed");
      long firstKill = 1 + random.nextInt((int) total - 1);
      long secondKill = firstKill + 1 + random.nextInt((int) (total - firstKill));
      assertThatThrownBy(() -> run(crashed, settings, false, killAfter(firstKill), Long.MAX_VALUE))
          .hasMessageContaining("killed");
      if (secondKill < total) {
        assertThatThrownBy(() -> run(crashed, settings, true, killAfter(secondKill), Long.MAX_VALUE))
            .hasMessageContaining("killed");
      }
      Outcome resumed = run(crashed, settings, true);

      String what = method.cliName() + " killed after steps " + firstKill + ", " + secondKill;
      assertSameParameters(resumed.parameters(), uninterrupted.parameters());
      assertThat(ledger(crashed)).as(what).isEqualTo(ledger(whole));
      assertThat(ledger(crashed)).as(what)
          .containsExactly(new MechanismSegment(SIGMA, (double) BATCH / ColourTask.N, total));
      double independent =
          new RdpAccountant()
              .epsilon(List.of(new MechanismSegment(SIGMA, (double) BATCH / ColourTask.N, total)),
                  1e-5)
              .epsilon();
      assertThat(resumed.result().epsilon()).as(what).isCloseTo(independent, within(1e-9));
      // metrics.jsonl holds each step once: lines of steps lost in the crashes were dropped
      List<Long> steps = new ArrayList<>();
      for (long s = 1; s <= total; s++) {
        steps.add(s);
      }
      assertThat(trainSteps(crashed)).as(what).isEqualTo(steps);
    }
  }

  @Test
  void aRunThatDiesBeforeItsFirstCheckpoint_resumesFromTheStart(@TempDir Path dir)
      throws IOException {
    FineTuningRun.Settings settings = settings(new FineTuningMethod.BitFit(false), 100);
    Outcome uninterrupted = run(dir.resolve("whole"), settings, false);
    Path crashed = dir.resolve("crashed");
    assertThatThrownBy(() -> run(crashed, settings, false, killAfter(3), Long.MAX_VALUE))
        .hasMessageContaining("killed");
    assertThat(crashed.resolve(RunManifest.CHECKPOINT)).doesNotExist();

    Outcome resumed = run(crashed, settings, true);

    assertSameParameters(resumed.parameters(), uninterrupted.parameters());
    assertThat(trainSteps(crashed)).hasSize(12).doesNotHaveDuplicates();
  }

  @Test
  void twoPhaseCheckpoint_holdsTheFirstPhasesWeights_soLoadingItRebuildsTheTrainedModel(
      @TempDir Path dir) throws IOException {
    Outcome trained = run(dir, settings(twoPhase(), 0), false);
    try (PatchClassifier fresh = new PatchClassifier(ColourTask.LABELS)) {
      WeightLoader.load(
          dir.resolve(RunManifest.CHECKPOINT).resolve(TrainingCheckpoint.TRAINABLE),
          fresh.namedParameters(), WeightLoader.Mode.STRICT);
      assertSameParameters(snapshot(fresh), trained.parameters());
    }
  }

  @Test
  void resume_withChangedSettings_isRefusedNamingEachChange(@TempDir Path dir) throws IOException {
    FineTuningRun.Settings settings = settings(new FineTuningMethod.BitFit(false), 4);
    assertThatThrownBy(() -> run(dir, settings, false, killAfter(5), Long.MAX_VALUE))
        .hasMessageContaining("killed");
    byte[] checkpointState =
        Files.readAllBytes(dir.resolve(RunManifest.CHECKPOINT).resolve("state.json"));

    FineTuningRun.Settings changed =
        settings(
            new FineTuningMethod.BitFit(false),
            new PrivacyTarget.FixedNoise(0.5, 1e-5, 1.0, new Clipping.Abadi(), AccountantKind.RDP),
            16, 0.5, 4);
    assertThatThrownBy(() -> run(dir, changed, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot resume")
        .hasMessageContaining("logical_batch_size: the run has 8, now 16")
        .hasMessageContaining("learning_rate: the run has 0.05, now 0.5")
        .hasMessageContaining("privacy.noise_multiplier: the run has 0.9, now 0.5");
    assertThat(Files.readAllBytes(dir.resolve(RunManifest.CHECKPOINT).resolve("state.json")))
        .isEqualTo(checkpointState);
    // what may change: the physical batch size and the checkpoint interval
    FineTuningRun.Settings allowed =
        new FineTuningRun.Settings(
            settings.method(), settings.epochs(), settings.logicalBatchSize(), 3,
            settings.optimizer(), settings.learningRate(), settings.warmupFraction(),
            settings.privacy(), settings.sampling(), settings.seed(),
            new RunOutput(6, true, Map.of()), Precision.FP32);
    assertThat(run(dir, allowed, true).result().completed()).isTrue();
  }

  @Test
  void resume_ofATargetEpsilonRun_keepsItsSigma_andTheLedgerRecordsTheSamplersRate(
      @TempDir Path dir) throws IOException {
    PrivacyTarget target =
        new PrivacyTarget.TargetEpsilon(3, 1e-5, 1.0, new Clipping.Abadi(), AccountantKind.RDP);
    FineTuningRun.Settings settings = settings(new FineTuningMethod.BitFit(false), target, BATCH, 0.05, 4);
    assertThatThrownBy(() -> run(dir, settings, false, killAfter(6), Long.MAX_VALUE))
        .hasMessageContaining("killed");
    double sigma = RunManifest.read(dir).privacy().noiseMultiplier();

    FineTuningRun.Result result = run(dir, settings, true).result();

    assertThat(result.noiseMultiplier()).isEqualTo(sigma);
    assertThat(ledger(dir)).containsExactly(
        new MechanismSegment(sigma, (double) BATCH / ColourTask.N, 12));
    assertThat(result.epsilon()).isLessThanOrEqualTo(3 * (1 + 1e-9));
  }

  @Test
  void nonFiniteLoss_stopsTheRun_keepsTheLastGoodParameters_andChargesTheStepsTaken(
      @TempDir Path dir) throws IOException {
    FineTuningRun.Settings settings = settings(new FineTuningMethod.Full(), 4);
    // 8 examples a step in physical batches of at most 5: step 6's first batch is call 11 or later
    long poisonFrom = 12;
    TrainingListener none = new TrainingListener() {};
    assertThatThrownBy(() -> run(dir, settings, false, none, poisonFrom))
        .isInstanceOf(TrainingDivergedException.class)
        .hasMessageContaining("not finite")
        .hasMessageContaining("learning rate");
    Path checkpoint = dir.resolve(RunManifest.CHECKPOINT);
    TrainingState state = TrainingCheckpoint.readState(checkpoint);
    assertThat(state.stoppedBy()).contains("not finite");
    long charged = state.ledger().stream().mapToLong(MechanismSegment::steps).sum();
    assertThat(charged).isEqualTo(state.step()).isGreaterThan(4);
    List<JsonNode> stops = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
      if (JSON.readTree(line).path("type").asText().equals("stop")) {
        stops.add(JSON.readTree(line));
      }
    }
    assertThat(stops).singleElement()
        .satisfies(stop -> assertThat(stop.path("step").asLong()).isEqualTo(charged));

    // the parameters are the checkpoint of step 4, finite, and load as they are
    try (PatchClassifier fresh = new PatchClassifier(ColourTask.LABELS)) {
      WeightLoader.load(checkpoint.resolve(TrainingCheckpoint.TRAINABLE), fresh.namedParameters(),
          WeightLoader.Mode.STRICT);
      snapshot(fresh).forEach((name, v) -> {
        for (float x : v) {
          assertThat(Float.isFinite(x)).as(name).isTrue();
        }
      });
    }
    assertThatThrownBy(() -> run(dir, settings, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stopped for good");
  }

  @Test
  void aRunDirectoryInUse_isRefused(@TempDir Path dir) throws IOException {
    FineTuningRun.Settings settings = settings(new FineTuningMethod.BitFit(false), 0);
    try (RunDirectoryLock held = FineTuningRun.open(dir, false, settings)) {
      assertThatThrownBy(() -> FineTuningRun.open(dir, false, settings))
          .isInstanceOf(RunFailedException.class)
          .hasMessageContaining("in use by another dpft run")
          .hasMessageContaining("pid " + ProcessHandle.current().pid());
    }
    FineTuningRun.open(dir, false, settings).close(); // released
  }

  @Test
  void checkpoint_isPrivateToItsOwner_andDamageOrAnEditedLedgerIsRefused(@TempDir Path dir)
      throws IOException {
    FineTuningRun.Settings settings = settings(new FineTuningMethod.BitFit(false), 4);
    Path crashedDir = dir.resolve("run");
    assertThatThrownBy(() -> run(crashedDir, settings, false, killAfter(5), Long.MAX_VALUE))
        .hasMessageContaining("killed");
    Path checkpoint = crashedDir.resolve(RunManifest.CHECKPOINT);
    assertThat(Files.getPosixFilePermissions(checkpoint))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    try (var files = Files.list(checkpoint)) {
      files.forEach(f -> assertThat(uncheckedPermissions(f)).as(f.toString())
          .isEqualTo(PosixFilePermissions.fromString("rw-------")));
    }

    // one flipped byte in the parameters
    Path trainable = checkpoint.resolve(TrainingCheckpoint.TRAINABLE);
    byte[] original = Files.readAllBytes(trainable);
    byte[] flipped = original.clone();
    flipped[flipped.length - 1] ^= 0x7f;
    Files.write(trainable, flipped);
    assertThatThrownBy(() -> run(crashedDir, settings, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("damaged")
        .hasMessageContaining(TrainingCheckpoint.TRAINABLE);
    Files.write(trainable, original);

    // an emptied ledger, even with the digests recomputed
    Path state = checkpoint.resolve("state.json");
    ObjectNode edited = (ObjectNode) JSON.readTree(state.toFile());
    edited.putArray("ledger");
    Files.write(state, JSON.writeValueAsBytes(edited));
    assertThatThrownBy(() -> run(crashedDir, settings, true))
        .hasMessageContaining("damaged");
    TrainingCheckpoint.seal(checkpoint);
    assertThatThrownBy(() -> run(crashedDir, settings, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ledger charges 0 steps, but the run took 4");

    Files.write(state, "{ not json".getBytes());
    TrainingCheckpoint.seal(checkpoint);
    assertThatThrownBy(() -> run(crashedDir, settings, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(state.toString())
        .hasMessageContaining("not a valid checkpoint state");
  }

  private static Object uncheckedPermissions(Path file) {
    try {
      return Files.getPosixFilePermissions(file);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aSeed_makesTheFreshHeadsInitialisationReproducible(@TempDir Path dir) throws IOException {
    FineTuningRun.Settings settings = settings(new FineTuningMethod.BitFit(false), 0);
    Map<String, float[]> first;
    torch.manual_seed(1);
    try (RunDirectoryLock lock = FineTuningRun.open(dir.resolve("a"), false, settings);
        PatchClassifier model = new PatchClassifier(ColourTask.LABELS)) {
      first = snapshot(model);
    }
    torch.manual_seed(2);
    try (RunDirectoryLock lock = FineTuningRun.open(dir.resolve("b"), false, settings);
        PatchClassifier model = new PatchClassifier(ColourTask.LABELS)) {
      assertSameParameters(snapshot(model), first);
    }
  }

  @Test
  void aDeltaNotBelowOneOverN_isRefused(@TempDir Path dir) {
    PrivacyTarget loose =
        new PrivacyTarget.TargetEpsilon(8, 0.5, 1.0, new Clipping.Abadi(), AccountantKind.RDP);
    assertThatThrownBy(
            () -> run(dir, settings(new FineTuningMethod.BitFit(false), loose, BATCH, 0.05, 0), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delta must be below 1/N")
        .hasMessageContaining("N = " + ColourTask.N);
  }
}
