package io.dpft.spark;

import io.dpft.core.dp.Clipping;
import io.dpft.core.models.BertModel;
import io.dpft.core.nn.Parameter;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.RemoteClipping;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * A text classifier's clipped gradient sums on Spark executors, for the core trainer
 * ({@link io.dpft.core.train.Trainer#remote}): per step the driver broadcasts the values of the
 * parameters that differ from the model directory (the trainable ones and any fresh head) and
 * ships the sampled example indices in the task closure; each task sums the clipped per-sample
 * gradients of the sampled records its partition holds ({@link ExecutorModel}), and the shares
 * are tree-reduced. Sampling, noise, optimizer and ledger stay with the trainer, so a run of a model
 * without dropout equals the single-process one up to the order of float additions. A task that fails is rerun by
 * Spark and only the successful attempt's share is reduced; a failed attempt leaves nothing in
 * the cached model.
 */
public final class SparkClipping implements RemoteClipping {
  /** The methods whose parameters the model directory holds: what executors can rebuild. */
  private static final Set<Class<?>> SUPPORTED_METHODS =
      Set.of(FineTuningMethod.Full.class, FineTuningMethod.BitFit.class,
          FineTuningMethod.LastLayer.class);

  private final JavaRDD<LabelledText> records;
  private final int size;
  private final String executors;
  private final ExecutorSetup setup;
  private final BertModel model;
  private final Set<String> fresh;
  private final SparkTextClassifier.TaskHook hook;
  private Cost lastCost;

  /**
   * The model executors build and how they run it: a converted Hugging Face directory that the
   * driver and every executor can read, the classifier's number of labels and pooling, the
   * tokenizer's length limit, a task's physical batch size and the clipping norm C (all-layer
   * Abadi clipping).
   */
  public record ExecutorSetup(
      String modelDirectory,
      int numLabels,
      BertModel.Pooling pooling,
      int maxLength,
      int physicalBatchSize,
      double maxGradNorm) {
    public ExecutorSetup {
      if (modelDirectory == null || pooling == null) {
        throw new IllegalArgumentException("model directory and pooling must be given");
      }
      if (numLabels < 2 || maxLength < 2 || physicalBatchSize < 1 || !(maxGradNorm > 0)) {
        throw new IllegalArgumentException(String.format(
            "need numLabels >= 2, maxLength >= 2, physicalBatchSize >= 1, maxGradNorm > 0; got"
                + " %d, %d, %d, %s", numLabels, maxLength, physicalBatchSize, maxGradNorm));
      }
    }
  }

  /**
   * What distributing a step cost: the wall time from broadcast to reduced share and the slowest
   * task's computing time within it (their difference is scheduling, broadcast, result transfer
   * and reduction), the bytes of parameter values broadcast and of gradient sums returned.
   */
  public record Cost(
      double distributedMillis, double slowestTaskMillis, long bytesBroadcast,
      long bytesReturned) {}

  /**
   * Clipped sums of {@code records} (ids 0..N-1, the trainer's indices; persisted here until
   * {@link #close}) for {@code model}, the driver's model, whose parameters named
   * {@code freshlyInitialised} are not in the model directory; {@code master} names the Spark
   * master for {@code config.json}.
   *
   * @throws IllegalArgumentException if a record's label is outside 0..numLabels-1
   */
  public SparkClipping(
      JavaRDD<LabelledText> records, String master, ExecutorSetup setup, BertModel model,
      List<String> freshlyInitialised, SparkTextClassifier.TaskHook hook) {
    this.records = records.persist(StorageLevel.MEMORY_AND_DISK());
    this.executors = "spark " + master;
    this.setup = setup;
    this.model = model;
    this.fresh = new LinkedHashSet<>(freshlyInitialised);
    this.hook = hook;
    try {
      this.size = Math.toIntExact(records.count());
      int labels = setup.numLabels();
      long outOfRange = records.filter(r -> r.label() >= labels).count();
      if (outOfRange > 0) {
        throw new IllegalArgumentException(outOfRange + " records have a label >= numLabels = "
            + labels + " (labels must be 0.." + (labels - 1) + ")");
      }
    } catch (RuntimeException e) {
      records.unpersist(false);
      throw e;
    }
  }

  /**
   * Why the executors cannot compute the clipped sums of a run of {@code method} with
   * {@code clipping} (null without DP), all-layer or not; empty when they can. Executors rebuild
   * the model from its directory, so the method must add no modules (full, bitfit, last-layer),
   * and clip every sample's whole gradient to C by Abadi's rule.
   */
  public static List<String> unsupported(
      FineTuningMethod method, Clipping clipping, boolean allLayer) {
    List<String> problems = new ArrayList<>();
    if (clipping == null) {
      problems.add("training on Spark is DP-SGD only");
    } else if (!(clipping instanceof Clipping.Abadi) || !allLayer) {
      problems.add("clipping must be all-layer Abadi clipping");
    }
    if (!SUPPORTED_METHODS.contains(method.getClass())) {
      problems.add("the method must be full, bitfit or last-layer (methods that add modules and"
          + " two-phase ones are not supported), got " + method.cliName());
    }
    return problems;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public String executors() {
    return executors;
  }

  @Override
  public Sums clippedSums(long step, int[] indices) {
    long started = System.nanoTime();
    ModelSpec modelSpec = modelSpec();
    HashMap<String, float[]> values = values();
    int[] sorted = indices.clone();
    Arrays.sort(sorted);
    Broadcast<HashMap<String, float[]>> sent =
        JavaSparkContext.fromSparkContext(records.context()).broadcast(values);
    GradientShare share;
    try {
      share =
          records
              .mapPartitionsWithIndex(new ShareTask(modelSpec, sent, sorted, step, hook), false)
              .treeReduce(GradientShare::plus);
    } finally {
      sent.destroy();
    }
    if (share.examples() != indices.length) {
      throw new IllegalStateException("the executors summed " + share.examples()
          + " examples of a batch of " + indices.length);
    }
    lastCost =
        new Cost((System.nanoTime() - started) / 1e6, share.slowestTaskMillis(),
            values.values().stream().mapToLong(v -> 4L * v.length).sum(),
            share.bytes() * records.getNumPartitions());
    return new Sums(share.sums(), share.lossSum());
  }

  /** What the last step's distribution cost (null before the first). */
  public Cost lastCost() {
    return lastCost;
  }

  /** The spec executors build their model from, with the model's trainable parameters now. */
  public ModelSpec modelSpec() {
    List<String> trainable = new ArrayList<>();
    model.parameters().forEach((name, p) -> {
      if (p.isTrainable()) {
        trainable.add(name);
      }
    });
    return new ModelSpec(
        setup.modelDirectory(), setup.numLabels(), setup.pooling(), setup.maxLength(),
        setup.physicalBatchSize(), setup.maxGradNorm(), trainable);
  }

  /**
   * The current values of the parameters that differ from the model directory (the trainable
   * ones and the fresh ones), flat, by name.
   */
  public HashMap<String, float[]> values() {
    HashMap<String, float[]> out = new LinkedHashMap<>();
    Map<String, Parameter> parameters = model.parameters();
    try (PointerScope scope = new PointerScope()) {
      parameters.forEach((name, p) -> {
        if (p.isTrainable() || fresh.contains(name)) {
          Tensor t = p.tensor().detach().contiguous();
          float[] v = new float[(int) t.numel()];
          t.data_ptr_float().get(v);
          out.put(name, v);
        }
      });
    }
    return out;
  }

  @Override
  public void close() {
    records.unpersist(false);
  }

  /** A task of a step: the clipped gradient sum of its partition's records in the batch. */
  private record ShareTask(
      ModelSpec spec,
      Broadcast<HashMap<String, float[]>> values,
      int[] sortedIndices,
      long step,
      SparkTextClassifier.TaskHook hook)
      implements Function2<Integer, Iterator<LabelledText>, Iterator<GradientShare>> {
    @Override
    public Iterator<GradientShare> call(Integer partition, Iterator<LabelledText> records) {
      List<LabelledText> sampled = new ArrayList<>();
      records.forEachRemaining(r -> {
        if (Arrays.binarySearch(sortedIndices, (int) r.id()) >= 0) {
          sampled.add(r);
        }
      });
      int attempt = TaskContext.get().attemptNumber();
      ExecutorModel model = ExecutorModel.borrow(spec);
      try {
        model.load(values.value());
        return List.of(model.share(
            sampled, step, () -> hook.midway(step, partition, attempt))).iterator();
      } finally {
        model.giveBack();
      }
    }
  }
}
