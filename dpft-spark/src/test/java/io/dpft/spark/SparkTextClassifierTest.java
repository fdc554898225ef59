package io.dpft.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.PretrainedBert;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.tasks.SequenceClassificationTask;
import io.dpft.core.train.Privacy;
import io.dpft.core.train.StepReport;
import io.dpft.core.train.Trainer;
import io.dpft.core.train.TrainingConfig;
import io.dpft.core.train.TrainingListener;
import io.dpft.data.batching.EncodedTextDataset;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.tokenize.TextTokenizer;
import io.dpft.data.tokenize.TokenizerOptions;
import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.spark.TinyTextModel.Sentence;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark path against independent computations: the core's single-process {@link Trainer} on
 * the same data and configuration, and the closed-form noise variance. The session is local[2]
 * with up to 2 attempts per task, and the data has 3 partitions, so tasks share executor slots.
 */
class SparkTextClassifierTest {
  private static final int N = 24;
  private static final long SEED = 11;
  private static final int PHYSICAL_BATCH = 5;
  /** Set by the retry test's hook: in local mode tasks run in this JVM. */
  private static final AtomicInteger FAILED_ATTEMPTS = new AtomicInteger();

  @TempDir static Path tmp;
  private static SparkSession spark;
  private static Path modelDir;
  private static List<Sentence> sentences;
  /** The sentences in their order (record i is sentence i), in local[2]'s 2 partitions. */
  private static Dataset<Row> inOrder;
  /** The same, shuffled into 3 partitions. */
  private static Dataset<Row> data;

  @BeforeAll
  static void start() throws IOException {
    spark = SparkSession.builder().master("local[2,2]").appName("dpft-spark-test")
        .config("spark.ui.enabled", "false").getOrCreate();
    modelDir = TinyTextModel.write(Files.createDirectories(tmp.resolve("model")));
    sentences = TinyTextModel.sentences(N, 3);
    List<Row> rows = new ArrayList<>();
    sentences.forEach(s -> rows.add(RowFactory.create(s.text(), s.label())));
    StructType schema = new StructType()
        .add("text", DataTypes.StringType, false).add("label", DataTypes.IntegerType, false);
    inOrder = spark.createDataFrame(rows, schema);
    data = inOrder.repartition(3);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static SparkTextClassifier.Spec spec() {
    return new SparkTextClassifier.Spec(
        modelDir, 2, BertModel.Pooling.CLS, TinyTextModel.MAX_LENGTH, PHYSICAL_BATCH, "text",
        "label");
  }

  private static TrainingConfig config(
      FineTuningMethod method, double sigma, int batch, double epochs, OptimizerConfig optimizer,
      double lr) {
    return new TrainingConfig(
        method, BertModel.HEAD, epochs, batch, optimizer, lr, 0,
        new Privacy.Private(
            DpSgdConfig.abadi(sigma, 0.5), 1e-5, AccountantKind.RDP, Double.POSITIVE_INFINITY),
        TrainingConfig.Sampling.POISSON, OptionalLong.of(SEED));
  }

  private static SparkTextClassifier.Result onSpark(
      TrainingConfig config, List<SparkTextClassifier.Step> steps, SparkTextClassifier.TaskHook hook)
      throws IOException {
    return SparkTextClassifier.train(data, spec(), config, steps::add, hook);
  }

  /** The single-process run: the core's Trainer on the same sentences and configuration. */
  private record SingleProcess(Map<String, float[]> parameters, List<MechanismSegment> ledger,
      int[] predictions, List<Integer> batchSizes) {}

  private static SingleProcess singleProcess(TrainingConfig config) throws IOException {
    torch.manual_seed(SEED); // as the driver: the fresh head's initialisation
    try (BertModel model = PretrainedBert.load(modelDir,
            BertModel.Options.sequenceClassification(2, BertModel.Pooling.CLS)).model();
        TextTokenizer tokenizer = TextTokenizer.load(modelDir.resolve("tokenizer.json"),
            TokenizerOptions.truncating(TinyTextModel.MAX_LENGTH))) {
      EncodedTextDataset train = new EncodedTextDataset(
          tokenizer.encodeExamples(sentences.stream()
              .map(s -> new TextExample(s.text(), null, s.label())).toList()),
          sentences.stream().mapToInt(Sentence::label).toArray());
      try (SequenceClassificationTask task =
              new SequenceClassificationTask(model, train, PHYSICAL_BATCH, tokenizer.padId(), SEED);
          Trainer<?> trainer = new Trainer<>(model, task, config)) {
        List<Integer> batchSizes = new ArrayList<>();
        trainer.run(new TrainingListener() {
          @Override
          public void onStep(StepReport report) {
            batchSizes.add(report.samples());
          }
        });
        Map<String, float[]> values = new HashMap<>();
        try (PointerScope scope = new PointerScope()) {
          model.namedParameters().forEach((name, t) -> values.put(name, floats(t)));
        }
        float[][] p = task.probabilities(train);
        int[] predicted = new int[p.length];
        for (int i = 0; i < p.length; i++) {
          predicted[i] = p[i][1] > p[i][0] ? 1 : 0;
        }
        return new SingleProcess(values, trainer.ledger().history(), predicted, batchSizes);
      }
    }
  }

  /** The parameters before training, loaded as both runs load them. */
  private static Map<String, float[]> initialParameters() throws IOException {
    torch.manual_seed(SEED);
    try (BertModel model = PretrainedBert.load(modelDir,
            BertModel.Options.sequenceClassification(2, BertModel.Pooling.CLS)).model();
        PointerScope scope = new PointerScope()) {
      Map<String, float[]> values = new HashMap<>();
      model.namedParameters().forEach((name, t) -> values.put(name, floats(t)));
      return values;
    }
  }

  private static float[] floats(Tensor t) {
    Tensor c = t.detach().contiguous();
    float[] v = new float[(int) c.numel()];
    c.data_ptr_float().get(v);
    return v;
  }

  /** ‖a − b‖ / ‖b‖. */
  private static double relativeError(float[] a, float[] b) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < a.length; i++) {
      diff += (a[i] - (double) b[i]) * (a[i] - (double) b[i]);
      norm += (double) b[i] * b[i];
    }
    return Math.sqrt(diff / norm);
  }

  private static void assertMatches(Map<String, float[]> spark, Map<String, float[]> reference) {
    assertThat(spark).isNotEmpty();
    spark.forEach((name, values) ->
        assertThat(relativeError(values, reference.get(name))).as(name).isLessThanOrEqualTo(1e-6));
  }

  @Test
  void sameSeed_parametersAfterThreeStepsEqualTheSingleProcessRun() throws IOException {
    // q = 1 (B = N): both runs take every record at every step, and a seeded run draws the same
    // noise in both (Trainer.mix), so only the order of summation can differ. (The ledger refuses
    // σ = 0, so "σ = 0" is this: identical noise instead of none.)
    TrainingConfig config =
        config(new FineTuningMethod.Full(), 1, N, 3, new OptimizerConfig.Sgd(0.9, 0), 0.5);
    List<SparkTextClassifier.Step> steps = new ArrayList<>();
    SparkTextClassifier.Result result = onSpark(config, steps, SparkTextClassifier.TaskHook.NONE);
    SingleProcess reference = singleProcess(config);

    assertThat(steps).hasSize(3).allSatisfy(s -> assertThat(s.report().samples()).isEqualTo(N));
    assertMatches(result.parameters(), reference.parameters());
    // not trivially: the step moved every trainable matrix well beyond the tolerance
    Map<String, float[]> initial = initialParameters();
    result.modelSpec().trainable().stream().filter(name -> name.endsWith("weight")).forEach(
        name -> assertThat(relativeError(result.parameters().get(name), initial.get(name)))
            .as(name).isGreaterThan(1e-4));
    assertThat(result.ledger()).isEqualTo(reference.ledger());

    Dataset<Row> scored = SparkTextClassifier.predict(data, "text", "predicted", result);
    Map<String, Integer> predicted = new HashMap<>();
    scored.collectAsList().forEach(r -> predicted.put(r.getString(0), r.getInt(2)));
    assertThat(predicted).hasSize(N);
    for (int i = 0; i < N; i++) {
      assertThat(predicted.get(sentences.get(i).text())).as(sentences.get(i).text())
          .isEqualTo(reference.predictions()[i]);
    }
  }

  @Test
  void unsupportedConfigurationsAndLabelsAreRefusedBeforeAnyStep() {
    TrainingConfig adapterWithoutDp = new TrainingConfig(
        new FineTuningMethod.Adapter(4), BertModel.HEAD, 1, N, new OptimizerConfig.Sgd(0, 0), 0.1,
        0, new Privacy.NonPrivate(), TrainingConfig.Sampling.POISSON, OptionalLong.of(SEED));
    assertThatThrownBy(
            () -> onSpark(adapterWithoutDp, new ArrayList<>(), SparkTextClassifier.TaskHook.NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DP-SGD only").hasMessageContaining("got adapter");
    Dataset<Row> labelTwo = data.withColumn("label", functions.lit(2));
    assertThatThrownBy(() -> SparkTextClassifier.train(labelTwo, spec(),
            config(new FineTuningMethod.Full(), 1, N, 1, new OptimizerConfig.Sgd(0, 0), 0.1),
            step -> {}, SparkTextClassifier.TaskHook.NONE))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("24 records");
  }

  @Test
  void aTaskThatDiesMidStepIsRetriedWithoutDoubleCounting() throws IOException {
    TrainingConfig config =
        config(new FineTuningMethod.BitFit(false), 1, N, 2, new OptimizerConfig.Sgd(0, 0), 0.5);
    FAILED_ATTEMPTS.set(0);
    List<SparkTextClassifier.Step> steps = new ArrayList<>();
    SparkTextClassifier.Result result = onSpark(config, steps, (step, partition, attempt) -> {
      if (step == 1 && partition == 0 && attempt == 0) {
        FAILED_ATTEMPTS.incrementAndGet();
        throw new IllegalStateException("injected failure of the first attempt");
      }
    });

    assertThat(FAILED_ATTEMPTS.get()).isEqualTo(1);
    assertThat(steps).allSatisfy(s -> assertThat(s.report().samples()).isEqualTo(N));
    assertMatches(result.parameters(), singleProcess(config).parameters());
  }

  @Test
  void poissonBatchesOfTheDriversSampler_giveTheSingleProcessRunsBatchesAndParameters()
      throws IOException {
    // B = 6 of N = 24: q = 1/4, 2 epochs = 8 steps; the driver's seeded sampler draws the same
    // indices as the single-process run, and the executors sum exactly those records (record i
    // is the data's i-th row)
    TrainingConfig config =
        config(new FineTuningMethod.BitFit(false), 1, 6, 2, new OptimizerConfig.Sgd(0.9, 0), 0.5);
    List<SparkTextClassifier.Step> steps = new ArrayList<>();
    SparkTextClassifier.Result result =
        SparkTextClassifier.train(inOrder, spec(), config, steps::add,
            SparkTextClassifier.TaskHook.NONE);
    SingleProcess reference = singleProcess(config);

    assertThat(steps).hasSize(8);
    assertThat(steps.stream().map(s -> s.report().samples()).toList())
        .isEqualTo(reference.batchSizes())
        .anySatisfy(size -> assertThat(size).isNotEqualTo(6)); // Poisson: sizes vary
    assertMatches(result.parameters(), reference.parameters());
    assertThat(result.ledger()).isEqualTo(reference.ledger());
  }

  @Test
  void noiseIsAddedOncePerStepWhateverTheNumberOfTasks() throws IOException {
    // one SGD step at lr 1 at σ = 2 and at σ = 0.001 with one seed: same batch, same clipped sum,
    // same standard normals z, so the difference is (2 − 0.001)·C·z / B, of variance
    // (Δσ)²C²/B² per coordinate; noise added by each of the 3 tasks would triple it
    double sigma = 2;
    double small = 0.001;
    TrainingConfig noisy =
        config(new FineTuningMethod.Full(), sigma, N, 1, new OptimizerConfig.Sgd(0, 0), 1);
    TrainingConfig clean =
        config(new FineTuningMethod.Full(), small, N, 1, new OptimizerConfig.Sgd(0, 0), 1);
    List<SparkTextClassifier.Step> steps = new ArrayList<>();
    SparkTextClassifier.Result withNoise = onSpark(noisy, steps, SparkTextClassifier.TaskHook.NONE);
    SparkTextClassifier.Result without = onSpark(clean, steps, SparkTextClassifier.TaskHook.NONE);

    double sum = 0;
    double squares = 0;
    long n = 0;
    for (String name : withNoise.modelSpec().trainable()) {
      float[] a = withNoise.parameters().get(name);
      float[] b = without.parameters().get(name);
      for (int i = 0; i < a.length; i++) {
        double d = (double) a[i] - b[i];
        sum += d;
        squares += d * d;
        n++;
      }
    }
    double variance = squares / n - (sum / n) * (sum / n);
    double expected = (sigma - small) * (sigma - small) * 0.5 * 0.5 / ((double) N * N);
    // the sample variance of n normals has relative standard deviation sqrt(2/n)
    assertThat(n).isGreaterThan(1000);
    assertThat(Math.abs(variance / expected - 1)).isLessThan(5 * Math.sqrt(2.0 / n));
    // and the ledger is the single-process run's: one (σ, q = 1) entry per step
    assertThat(withNoise.ledger()).isEqualTo(singleProcess(noisy).ledger());
  }

  @Test
  void anEpsilonBudgetStopsTheRunWhereTheSingleProcessRunStops() throws IOException {
    // q = 1/4, σ = 1: 8 steps planned; a budget of 6 lets the RDP accountant allow only some
    TrainingConfig config = new TrainingConfig(
        new FineTuningMethod.BitFit(false), BertModel.HEAD, 2, 6, new OptimizerConfig.Sgd(0, 0),
        0.1, 0,
        new Privacy.Private(DpSgdConfig.abadi(1, 0.5), 1e-5, AccountantKind.RDP, 6),
        TrainingConfig.Sampling.POISSON, OptionalLong.of(SEED));
    List<SparkTextClassifier.Step> steps = new ArrayList<>();
    SparkTextClassifier.Result result = onSpark(config, steps, SparkTextClassifier.TaskHook.NONE);
    List<MechanismSegment> reference = singleProcess(config).ledger();

    long taken = reference.stream().mapToLong(MechanismSegment::steps).sum();
    assertThat(taken).isBetween(1L, 7L);
    assertThat(steps).hasSize((int) taken);
    assertThat(result.ledger()).isEqualTo(reference);
    assertThat(result.stoppedBy()).contains("stopped before step " + (taken + 1));
    assertThat(result.epsilon()).isLessThanOrEqualTo(6);
  }
}
