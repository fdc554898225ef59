package io.dpft.spark;

import io.dpft.core.dp.Clipping;
import io.dpft.core.dp.ClippingStats;
import io.dpft.core.dp.ClippingStyle;
import io.dpft.core.dp.DpSgdEngine;
import io.dpft.core.dp.norms.NormRules;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.PretrainedBert;
import io.dpft.core.nn.Parameter;
import io.dpft.core.optim.LearningRateSchedule;
import io.dpft.core.optim.Optimizer;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.Privacy;
import io.dpft.core.train.StepReport;
import io.dpft.core.train.Trainer;
import io.dpft.core.train.TrainingConfig;
import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.PrivacyLedger;
import io.dpft.privacy.noise.SecureGaussian;
import io.dpft.privacy.sampling.SamplingSchedule;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * DP-SGD text classification on Spark, for existing Spark jobs: {@link #train} fine-tunes a
 * pretrained BERT-family classifier on a {@code Dataset<Row>} with a text and an integer label
 * column, data-parallel over the executors, and {@link #predict} scores a {@code Dataset<Row>}
 * back with the prediction as a new column. Per step the driver broadcasts the parameters that
 * differ from the model directory (the trainable ones and a fresh head: tiny for BiTFiT), each
 * task samples its partition's records with the step's key ({@link PoissonKeys}) and returns the
 * clipped gradient sum of its share ({@link GradientShare}), the shares are tree-reduced, and the
 * driver adds N(0, σ²C²) once, divides by the expected batch size B = qN, steps the optimizer
 * and records (σ, q, 1) in the ledger: the step, noise and accounting of a single-process run.
 * A task that fails is rerun by Spark; only the successful attempt's share enters the reduction,
 * and a failed attempt leaves nothing behind in the cached model ({@link ExecutorModel}).
 */
public final class SparkTextClassifier {

  /**
   * The model and the data layout: a converted Hugging Face directory that the driver and every
   * executor can read, the classifier's number of labels (labels are 0..numLabels-1) and pooling,
   * the tokenizer's length limit, the physical batch size of a task, and the input's columns.
   */
  public record Spec(
      Path modelDirectory,
      int numLabels,
      BertModel.Pooling pooling,
      int maxLength,
      int physicalBatchSize,
      String textColumn,
      String labelColumn) {
    public Spec {
      if (modelDirectory == null || pooling == null || textColumn == null || labelColumn == null) {
        throw new IllegalArgumentException("model directory, pooling and columns must be given");
      }
      if (numLabels < 2 || maxLength < 2 || physicalBatchSize < 1) {
        throw new IllegalArgumentException(String.format(
            "need numLabels >= 2, maxLength >= 2, physicalBatchSize >= 1; got %d, %d, %d",
            numLabels, maxLength, physicalBatchSize));
      }
    }
  }

  /**
   * Runs inside every task between accumulating its records and returning its share: a test's
   * way to make an attempt die mid-step ({@link #NONE} otherwise).
   */
  @FunctionalInterface
  public interface TaskHook extends Serializable {
    TaskHook NONE = (step, partition, attempt) -> {};

    void midway(long step, int partition, int attempt);
  }

  /**
   * One step as the driver saw it: the core's {@link StepReport} (as a single-process run reports
   * it, so that {@code MetricsLog} or a progress bar can take it; no clipping statistics, which
   * stay on the executors), the wall time from broadcast to reduced share and the slowest task's
   * computing time within it (their difference is what distributing the step costs), and the
   * bytes of parameter values sent to the executors (once per step, broadcast) and of gradient
   * sums returned (one share per task).
   */
  public record Step(
      StepReport report,
      double distributedMillis,
      double slowestTaskMillis,
      long bytesBroadcast,
      long bytesReturned) {
    public Step {
      if (report == null) {
        throw new IllegalArgumentException("the step report must be given");
      }
    }
  }

  /**
   * A trained run: the spec executors build their model from, the values of the parameters that
   * differ from the model directory, the privacy ledger, ε at the run's δ, and why it stopped
   * before its last step ("" when it ran them all).
   */
  public record Result(
      ModelSpec modelSpec,
      Map<String, float[]> parameters,
      List<MechanismSegment> ledger,
      double epsilon,
      String stoppedBy) {
    public Result {
      if (modelSpec == null || parameters == null || ledger == null || stoppedBy == null) {
        throw new IllegalArgumentException(
            "model spec, parameters, ledger and stop reason must be given");
      }
      parameters = Map.copyOf(parameters);
      ledger = List.copyOf(ledger);
    }
  }

  private SparkTextClassifier() {}

  /**
   * Trains on {@code data} with {@code config} (DP-SGD with all-layer Abadi clipping, Poisson
   * sampling, a one-phase method), reporting each step to {@code listener}; as the core's
   * trainer, it stops before a step that would take ε past the config's budget.
   *
   * @throws IllegalArgumentException for a configuration the Spark path does not support, a
   *     label outside 0..numLabels-1, or a logical batch larger than the data
   */
  public static Result train(
      Dataset<Row> data, Spec spec, TrainingConfig config, Consumer<Step> listener, TaskHook hook)
      throws IOException {
    Privacy.Private privacy = supported(config);
    JavaRDD<LabelledText> records =
        data.select(spec.textColumn(), spec.labelColumn()).javaRDD().zipWithIndex()
            .map(t -> new LabelledText(
                t._2(), t._1().getString(0), ((Number) t._1().get(1)).intValue()))
            .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      return train(records, spec, config, privacy, listener, hook);
    } finally {
      records.unpersist(false);
    }
  }

  private static Result train(
      JavaRDD<LabelledText> records,
      Spec spec,
      TrainingConfig config,
      Privacy.Private privacy,
      Consumer<Step> listener,
      TaskHook hook)
      throws IOException {
    long n = records.count();
    int labels = spec.numLabels();
    long outOfRange = records.filter(r -> r.label() >= labels).count();
    if (outOfRange > 0) {
      throw new IllegalArgumentException(outOfRange + " records have a label >= numLabels = "
          + labels + " (labels must be 0.." + (labels - 1) + ")");
    }
    if (config.logicalBatchSize() > n) {
      throw new IllegalArgumentException("logicalBatchSize must be <= the training set size " + n
          + ", got " + config.logicalBatchSize());
    }
    double q = SamplingSchedule.sampleRate(config.logicalBatchSize(), n);
    long totalSteps = SamplingSchedule.ofEpochs(q, config.epochs()).steps();
    LearningRateSchedule schedule =
        new LearningRateSchedule(
            config.learningRate(), Math.round(config.warmupFraction() * totalSteps), totalSteps,
            LearningRateSchedule.Decay.LINEAR);
    long runKey = PoissonKeys.runKey(config.seed());
    SecureGaussian secureNoise = config.seed().isPresent() ? null : SecureGaussian.secure();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(records.context());
    config.seed().ifPresent(torch::manual_seed); // the fresh head's initialisation
    PretrainedBert.Loaded loaded =
        PretrainedBert.load(
            spec.modelDirectory(),
            BertModel.Options.sequenceClassification(spec.numLabels(), spec.pooling()));
    try (BertModel model = loaded.model()) {
      config.method().apply(model, config.headPrefix());
      List<String> trainable = new ArrayList<>();
      model.parameters().forEach((name, p) -> {
        if (p.isTrainable()) {
          trainable.add(name);
        }
      });
      Set<String> shipped = new LinkedHashSet<>(trainable);
      shipped.addAll(loaded.freshlyInitialised());
      ModelSpec modelSpec =
          new ModelSpec(
              spec.modelDirectory().toString(), spec.numLabels(), spec.pooling(), spec.maxLength(),
              spec.physicalBatchSize(), privacy.dpSgd().style().sensitivity(), trainable);
      PrivacyLedger ledger = new PrivacyLedger();
      String stoppedBy = "";
      var accountant = privacy.accountant().create();
      try (DpSgdEngine engine = new DpSgdEngine(model, privacy.dpSgd(), NormRules.standard());
          Optimizer optimizer =
              Optimizer.create(
                  config.optimizer(),
                  engine.parameters().stream().map(Parameter::tensor).toList())) {
        for (long s = 0; s < totalSteps && stoppedBy.isEmpty(); s++) {
          PrivacyLedger next = new PrivacyLedger(ledger.history());
          next.record(privacy.dpSgd().noiseMultiplier(), q, 1);
          if (next.epsilon(accountant, privacy.delta()) > privacy.epsilonBudget()) {
            stoppedBy = String.format(Locale.ROOT,
                "stopped before step %d: it would spend more than the budget ε = %s", s + 1,
                privacy.epsilonBudget());
            continue;
          }
          long started = System.nanoTime();
          HashMap<String, float[]> values = values(model, shipped);
          Broadcast<HashMap<String, float[]>> sent = jsc.broadcast(values);
          GradientShare share =
              records
                  .mapPartitionsWithIndex(
                      new ShareTask(modelSpec, sent, PoissonKeys.stepKey(runKey, s), q, s, hook),
                      false)
                  .treeReduce(GradientShare::plus);
          sent.destroy();
          double distributedMillis = (System.nanoTime() - started) / 1e6;
          SecureGaussian noise =
              secureNoise != null
                  ? secureNoise
                  : SecureGaussian.seededForReproducibility(
                      Trainer.mix(config.seed().getAsLong(), s)); // the single-process draws
          try (PointerScope scope = new PointerScope()) {
            engine.addClippedSums(share.sums());
            optimizer.step(engine.privateGradients(config.logicalBatchSize(), noise),
                schedule.at(s));
          }
          ledger.record(privacy.dpSgd().noiseMultiplier(), q, 1);
          double seconds = (System.nanoTime() - started) / 1e9;
          StepReport report =
              new StepReport(
                  s, totalSteps, (s + 1) * q, (int) share.examples(),
                  share.examples() == 0 ? 0 : share.lossSum() / share.examples(), schedule.at(s),
                  ledger.epsilon(accountant, privacy.delta()), share.examples() / seconds,
                  ClippingStats.EMPTY);
          listener.accept(new Step(
              report, distributedMillis, share.slowestTaskMillis(), bytes(values),
              share.bytes() * records.getNumPartitions()));
        }
      }
      return new Result(
          modelSpec, values(model, shipped), ledger.history(),
          ledger.epsilon(accountant, privacy.delta()), stoppedBy);
    }
  }

  /**
   * {@code data} with an integer column {@code predictionColumn}: the arg-max class of
   * {@code textColumn} under the trained parameters, scored on the executors.
   */
  public static Dataset<Row> predict(
      Dataset<Row> data, String textColumn, String predictionColumn, Result trained) {
    StructType schema = data.schema().add(predictionColumn, DataTypes.IntegerType, false);
    int textIndex = data.schema().fieldIndex(textColumn);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext());
    Broadcast<HashMap<String, float[]>> sent = jsc.broadcast(new HashMap<>(trained.parameters()));
    JavaRDD<Row> scored =
        data.javaRDD().mapPartitions(new PredictTask(trained.modelSpec(), sent, textIndex));
    return data.sparkSession().createDataFrame(scored, schema);
  }

  private static Privacy.Private supported(TrainingConfig config) {
    List<String> problems = new ArrayList<>();
    Privacy.Private privacy = null;
    if (config.privacy() instanceof Privacy.Private p) {
      privacy = p;
      if (!(p.dpSgd().clipping() instanceof Clipping.Abadi)
          || !(p.dpSgd().style() instanceof ClippingStyle.AllLayer)) {
        problems.add("clipping must be all-layer Abadi clipping");
      }
    } else {
      problems.add("training on Spark is DP-SGD only");
    }
    if (config.sampling() != TrainingConfig.Sampling.POISSON) {
      problems.add("sampling must be Poisson");
    }
    if (config.method() instanceof FineTuningMethod.TwoPhase) {
      problems.add("two-phase methods are not supported");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot train on Spark:\n  - " + String.join("\n  - ", problems));
    }
    return privacy;
  }

  /** The current values of {@code names}, flat, in the model's layout. */
  private static HashMap<String, float[]> values(BertModel model, Set<String> names) {
    HashMap<String, float[]> out = new LinkedHashMap<>();
    Map<String, Parameter> parameters = model.parameters();
    try (PointerScope scope = new PointerScope()) {
      for (String name : names) {
        Tensor t = parameters.get(name).tensor().detach().contiguous();
        float[] v = new float[(int) t.numel()];
        t.data_ptr_float().get(v);
        out.put(name, v);
      }
    }
    return out;
  }

  private static long bytes(Map<String, float[]> values) {
    return values.values().stream().mapToLong(v -> 4L * v.length).sum();
  }

  /** A task of a step: the clipped gradient sum of its partition's sampled records. */
  private record ShareTask(
      ModelSpec spec,
      Broadcast<HashMap<String, float[]>> values,
      long stepKey,
      double sampleRate,
      long step,
      TaskHook hook)
      implements Function2<Integer, Iterator<LabelledText>, Iterator<GradientShare>> {
    @Override
    public Iterator<GradientShare> call(Integer partition, Iterator<LabelledText> records) {
      List<LabelledText> sampled = new ArrayList<>();
      records.forEachRemaining(r -> {
        if (PoissonKeys.sampled(stepKey, r.id(), sampleRate)) {
          sampled.add(r);
        }
      });
      int attempt = TaskContext.get().attemptNumber();
      ExecutorModel model = ExecutorModel.borrow(spec);
      try {
        model.load(values.value());
        return List.of(model.share(
            sampled, stepKey, () -> hook.midway(step, partition, attempt))).iterator();
      } finally {
        model.giveBack();
      }
    }
  }

  /** A scoring task: its partition's rows with the predicted class appended. */
  private record PredictTask(
      ModelSpec spec, Broadcast<HashMap<String, float[]>> values, int textIndex)
      implements FlatMapFunction<Iterator<Row>, Row> {
    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      List<Row> in = new ArrayList<>();
      rows.forEachRemaining(in::add);
      if (in.isEmpty()) {
        return in.iterator();
      }
      ExecutorModel model = ExecutorModel.borrow(spec);
      int[] predicted;
      try {
        model.load(values.value());
        predicted = model.predict(in.stream().map(r -> r.getString(textIndex)).toList());
      } finally {
        model.giveBack();
      }
      List<Row> out = new ArrayList<>(in.size());
      for (int i = 0; i < in.size(); i++) {
        Object[] fields = new Object[in.get(i).size() + 1];
        for (int f = 0; f < fields.length - 1; f++) {
          fields[f] = in.get(i).get(f);
        }
        fields[fields.length - 1] = predicted[i];
        out.add(RowFactory.create(fields));
      }
      return out.iterator();
    }
  }
}
