package io.dpft.spark;

import io.dpft.core.dp.ClippingStyle;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.PretrainedBert;
import io.dpft.core.train.Privacy;
import io.dpft.core.train.StepReport;
import io.dpft.core.train.Trainer;
import io.dpft.core.train.TrainingConfig;
import io.dpft.core.train.TrainingListener;
import io.dpft.privacy.accounting.MechanismSegment;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bytedeco.pytorch.global.torch;

/**
 * DP-SGD text classification on Spark, for existing Spark jobs: {@link #train} fine-tunes a
 * pretrained BERT-family classifier on a {@code Dataset<Row>} with a text and an integer label
 * column, and {@link #predict} scores a {@code Dataset<Row>} back with the prediction as a new
 * column. Training is the core's {@link Trainer} on the driver (Poisson sampling of record
 * indices, noise once, optimizer, ledger, ε budget) with each step's clipped gradient sum computed
 * on the executors ({@link SparkClipping}): the step, noise and accounting of a single-process
 * run.
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
   * Trains on {@code data} with {@code config} (DP-SGD with all-layer Abadi clipping, a
   * one-phase method that adds no modules), reporting each step to {@code listener}; as the
   * core's trainer, it stops before a step that would take ε past the config's budget.
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
                t._2(), t._1().getString(0), null, ((Number) t._1().get(1)).intValue()));
    config.seed().ifPresent(torch::manual_seed); // the fresh head's initialisation
    PretrainedBert.Loaded loaded =
        PretrainedBert.load(
            spec.modelDirectory(),
            BertModel.Options.sequenceClassification(spec.numLabels(), spec.pooling()));
    SparkClipping.ExecutorSetup setup =
        new SparkClipping.ExecutorSetup(
            spec.modelDirectory().toString(), spec.numLabels(), spec.pooling(), spec.maxLength(),
            spec.physicalBatchSize(), privacy.dpSgd().style().sensitivity());
    try (BertModel model = loaded.model();
        SparkClipping clipping =
            new SparkClipping(records, records.context().master(), setup, model,
                loaded.freshlyInitialised(), hook);
        Trainer<Void> trainer = Trainer.remote(model, clipping, config)) {
      String[] stoppedBy = {""};
      trainer.run(new TrainingListener() {
        @Override
        public void onStep(StepReport report) {
          SparkClipping.Cost cost = clipping.lastCost();
          listener.accept(new Step(report, cost.distributedMillis(), cost.slowestTaskMillis(),
              cost.bytesBroadcast(), cost.bytesReturned()));
        }

        @Override
        public void onStop(String reason) {
          stoppedBy[0] = reason;
        }
      });
      return new Result(clipping.modelSpec(), clipping.values(), trainer.ledger().history(),
          trainer.epsilonSpent(), stoppedBy[0]);
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
    Privacy.Private privacy =
        config.privacy() instanceof Privacy.Private p ? p : null;
    List<String> problems =
        SparkClipping.unsupported(
            config.method(), privacy == null ? null : privacy.dpSgd().clipping(),
            privacy != null && privacy.dpSgd().style() instanceof ClippingStyle.AllLayer);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot train on Spark:\n  - " + String.join("\n  - ", problems));
    }
    return privacy;
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
