package io.dpft.spark;

import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.io.PretrainedModels;
import io.dpft.core.models.BertModel;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.Privacy;
import io.dpft.core.train.MetricsLog;
import io.dpft.core.train.StepReport;
import io.dpft.core.train.TrainingConfig;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.datasets.builtin.BuiltinTextDatasets;
import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.privacy.accounting.AccountantKind;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code ./dpft spark-train}: DP text classification of a built-in dataset on a Spark master
 * (embedded {@code local[N]} or {@code local-cluster[...]}, or {@code spark://host:port}),
 * printing each step's throughput and distribution cost (and with {@code --run-dir}, writing
 * them to {@code metrics.jsonl} as {@code dpft train} does), then the validation accuracy scored
 * back on the executors. For measuring and trying the Spark path; checkpoints, resumable runs
 * and reports are {@code dpft train}'s.
 */
public final class SparkTrain {
  private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put("--spark", "local[2]");
    DEFAULTS.put("--model", "all-minilm-l6-v2");
    DEFAULTS.put("--dataset", "sentiment");
    DEFAULTS.put("--method", "bitfit");
    DEFAULTS.put("--epochs", "1");
    DEFAULTS.put("--batch-size", "256");
    DEFAULTS.put("--physical-batch-size", "32");
    DEFAULTS.put("--max-length", "64");
    DEFAULTS.put("--noise-multiplier", "1.0");
    DEFAULTS.put("--max-grad-norm", "1.0");
    DEFAULTS.put("--lr", "5e-3");
    DEFAULTS.put("--delta", "1e-5");
    DEFAULTS.put("--seed", "");
    DEFAULTS.put("--run-dir", "");
  }

  private SparkTrain() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> options = parse(args);
    run(options, System.out);
  }

  /** {@code args} as options over the defaults. */
  static Map<String, String> parse(String[] args) {
    Map<String, String> options = new LinkedHashMap<>(DEFAULTS);
    for (int i = 0; i < args.length; i += 2) {
      if (!DEFAULTS.containsKey(args[i]) || i + 1 == args.length) {
        throw new IllegalArgumentException("usage: dpft spark-train [OPTION VALUE]...; options"
            + " (with defaults): " + DEFAULTS + "; got '" + args[i] + "'");
      }
      options.put(args[i], args[i + 1]);
    }
    return options;
  }

  /** Trains and scores as {@code options} say, reporting to {@code out}. */
  static SparkTextClassifier.Result run(Map<String, String> options, PrintStream out)
      throws IOException {
    Path modelDir = PretrainedModels.fromEnvironment().resolve(options.get("--model"));
    DatasetSplits<TextDataset> splits = BuiltinTextDatasets.load(options.get("--dataset"));
    FineTuningMethod method =
        switch (options.get("--method")) {
          case "bitfit" -> new FineTuningMethod.BitFit(false);
          case "full" -> new FineTuningMethod.Full();
          default -> throw new IllegalArgumentException(
              "--method must be bitfit or full, got " + options.get("--method"));
        };
    String seed = options.get("--seed");
    TrainingConfig config =
        new TrainingConfig(
            method, BertModel.HEAD, Double.parseDouble(options.get("--epochs")),
            Integer.parseInt(options.get("--batch-size")), OptimizerConfig.AdamW.defaults(),
            Double.parseDouble(options.get("--lr")), 0,
            new Privacy.Private(
                DpSgdConfig.abadi(
                    Double.parseDouble(options.get("--noise-multiplier")),
                    Double.parseDouble(options.get("--max-grad-norm"))),
                Double.parseDouble(options.get("--delta")), AccountantKind.RDP,
                Double.POSITIVE_INFINITY),
            TrainingConfig.Sampling.POISSON,
            seed.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(seed)));
    SparkTextClassifier.Spec spec =
        new SparkTextClassifier.Spec(
            modelDir, splits.train().labels().names().size(), BertModel.Pooling.MEAN,
            Integer.parseInt(options.get("--max-length")),
            Integer.parseInt(options.get("--physical-batch-size")), "text", "label");
    SparkSession.Builder builder =
        SparkSession.builder().master(options.get("--spark")).appName("dpft spark-train")
            .config("spark.ui.enabled", "false");
    if (options.get("--spark").startsWith("local-cluster")) {
      // the embedded cluster's executor JVMs: this JVM's classpath and native flags
      builder.config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
          .config("spark.executor.extraJavaOptions", moduleFlags());
    }
    SparkSession spark = builder.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      int partitions = spark.sparkContext().defaultParallelism();
      Dataset<Row> train = rows(spark, splits.train()).repartition(partitions);
      long started = System.nanoTime();
      long[] examples = {0};
      SparkTextClassifier.Result result;
      try (MetricsLog metrics = metricsLog(options.get("--run-dir"))) {
        result = SparkTextClassifier.train(train, spec, config, step -> {
          StepReport r = step.report();
          examples[0] += r.samples();
          if (metrics != null) {
            metrics.onStep(r);
          }
          out.printf(Locale.ROOT,
              "step %d/%d: %d examples, loss %.4f, ε %.3f, %.0f ms (slowest task %.0f ms),"
                  + " %d B broadcast, %d B returned%n",
              r.step() + 1, r.totalSteps(), r.samples(), r.loss(), r.epsilon(),
              step.distributedMillis(), step.slowestTaskMillis(), step.bytesBroadcast(),
              step.bytesReturned());
        }, SparkTextClassifier.TaskHook.NONE);
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      Dataset<Row> validation = rows(spark, splits.validation()).repartition(partitions);
      long correct =
          SparkTextClassifier.predict(validation, "text", "predicted", result)
              .filter("label = predicted").count();
      out.printf(Locale.ROOT,
          "%s on %s (%d partitions): %.2f samples/s, validation accuracy %.4f, ε = %.3f at"
              + " δ = %s%n",
          options.get("--method"), options.get("--spark"), partitions, examples[0] / seconds,
          correct / (double) splits.validation().size(), result.epsilon(),
          options.get("--delta"));
      return result;
    } finally {
      spark.stop();
    }
  }

  /** {@code metrics.jsonl} in {@code runDirectory} (created), or null without a directory. */
  private static MetricsLog metricsLog(String runDirectory) throws IOException {
    if (runDirectory.isEmpty()) {
      return null;
    }
    Path dir = Files.createDirectories(Path.of(runDirectory));
    return MetricsLog.open(dir.resolve(MetricsLog.FILE), 0, false);
  }

  /**
   * This JVM's native-access flags (JDK 22+, for JavaCPP), for executor JVMs: Spark passes its
   * own --add-opens to them, not these.
   */
  private static String moduleFlags() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--enable-native-access") || a.startsWith("--sun-misc-unsafe"))
        .collect(Collectors.joining(" "));
  }

  private static Dataset<Row> rows(SparkSession spark, TextDataset data) {
    List<Row> rows = new ArrayList<>();
    for (TextExample e : data.examples()) {
      rows.add(RowFactory.create(e.text(), e.label()));
    }
    StructType schema = new StructType()
        .add("text", DataTypes.StringType, false).add("label", DataTypes.IntegerType, false);
    return spark.createDataFrame(rows, schema);
  }
}
