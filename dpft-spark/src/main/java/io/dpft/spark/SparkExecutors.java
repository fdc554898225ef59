package io.dpft.spark;

import io.dpft.core.dp.Clipping;
import io.dpft.core.models.BertModel;
import io.dpft.core.tasks.ClippingGranularity;
import io.dpft.core.tasks.FineTuningRun;
import io.dpft.core.tasks.PrivacyTarget;
import io.dpft.core.tasks.TextClassificationJob;
import io.dpft.core.train.RemoteClipping;
import io.dpft.data.datasets.TextExample;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code dpft train --spark MASTER}: a Spark session on {@code MASTER} (embedded {@code local[N]}
 * or {@code local-cluster[W,C,M]}, or {@code spark://host:port}) that computes a
 * text-classification run's clipped gradient sums ({@link SparkClipping}) while the run itself
 * (sampling, noise, ledger, checkpoints, metrics, evaluation) stays in the command's process.
 */
public final class SparkExecutors implements TextClassificationJob.Remote, AutoCloseable {
  private final String master;
  private final SparkSession spark;

  private SparkExecutors(String master, SparkSession spark) {
    this.master = master;
    this.spark = spark;
  }

  /**
   * A session on {@code master}, quiet below warnings, for runs with {@code settings}.
   *
   * @throws IllegalArgumentException naming what the settings ask that Spark executors cannot
   *     do, before any session starts
   */
  public static SparkExecutors start(String master, FineTuningRun.Settings settings) {
    Clip clip = Clip.of(settings.privacy());
    List<String> problems =
        SparkClipping.unsupported(
            settings.method(), clip == null ? null : clip.rule(), clip != null && clip.allLayer());
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("--spark: " + String.join("; ", problems));
    }
    SparkSession.Builder builder =
        SparkSession.builder().master(master).appName("dpft train")
            .config("spark.ui.enabled", "false");
    if (master.startsWith("local-cluster")) {
      // the embedded cluster's executor JVMs: this JVM's classpath and native flags
      builder.config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
          .config("spark.executor.extraJavaOptions", moduleFlags());
    }
    SparkSession spark = builder.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return new SparkExecutors(master, spark);
  }

  /**
   * The training examples, one partition per default parallelism slot, as {@link SparkClipping}
   * for {@code model} ({@code settings}: those the session was started for).
   */
  @Override
  public RemoteClipping start(
      TextClassificationJob.Spec spec, FineTuningRun.Settings settings, BertModel model,
      List<String> freshlyInitialised) {
    Clip clip = Clip.of(settings.privacy());
    List<TextExample> examples = spec.data().train().examples();
    List<LabelledText> records = new ArrayList<>(examples.size());
    for (int i = 0; i < examples.size(); i++) {
      TextExample e = examples.get(i);
      records.add(new LabelledText(i, e.text(), e.textPair(), e.label()));
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return new SparkClipping(
        jsc.parallelize(records, jsc.defaultParallelism()), master,
        new SparkClipping.ExecutorSetup(
            spec.modelDirectory().toString(), spec.data().train().labels().names().size(),
            spec.pooling(), spec.maxLength(), settings.physicalBatchSize(),
            clip == null ? 0 : clip.maxGradNorm()),
        model, freshlyInitialised, SparkTextClassifier.TaskHook.NONE);
  }

  /** A private run's clipping: rule, whether all-layer, threshold C. */
  private record Clip(Clipping rule, boolean allLayer, double maxGradNorm) {
    /** The clipping of {@code target}, null without DP. */
    static Clip of(PrivacyTarget target) {
      if (target instanceof PrivacyTarget.TargetEpsilon t) {
        return new Clip(t.clipping(), t.granularity() == ClippingGranularity.ALL_LAYER,
            t.maxGradNorm());
      }
      if (target instanceof PrivacyTarget.FixedNoise f) {
        return new Clip(f.clipping(), f.granularity() == ClippingGranularity.ALL_LAYER,
            f.maxGradNorm());
      }
      return null;
    }
  }

  /** Stops the session. */
  @Override
  public void close() {
    spark.stop();
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
}
