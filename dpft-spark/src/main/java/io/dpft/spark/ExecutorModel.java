package io.dpft.spark;

import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.dp.DpSgdEngine;
import io.dpft.core.dp.norms.NormRules;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.PretrainedBert;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Tape;
import io.dpft.core.tasks.SequenceClassificationTask;
import io.dpft.data.batching.EncodedTextDataset;
import io.dpft.data.batching.TextBatch;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.tokenize.TextTokenizer;
import io.dpft.data.tokenize.TokenizerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * An executor's copy of the model, its tokenizer and a {@link DpSgdEngine} over its trainable
 * parameters, cached for the JVM's life (never freed): the model is loaded once per concurrently running task
 * of a spec (tasks of one executor run in threads of one JVM, and a model with its tape serves
 * one at a time), never per task or step. Each task first overwrites the parameters that differ
 * from the directory's (the trainable ones and any fresh head) with the driver's values, so a
 * cached model carries nothing from earlier steps, runs or failed attempts.
 */
final class ExecutorModel {
  private static final Map<ModelSpec, Deque<ExecutorModel>> IDLE = new HashMap<>();

  private final ModelSpec spec;
  private final BertModel model;
  private final TextTokenizer tokenizer;
  private final DpSgdEngine engine;

  private ExecutorModel(ModelSpec spec) {
    this.spec = spec;
    Path dir = Path.of(spec.modelDirectory());
    try {
      this.model =
          PretrainedBert.load(
                  dir, BertModel.Options.sequenceClassification(spec.numLabels(), spec.pooling()))
              .model();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load the model in " + dir + ": " + e, e);
    }
    Set<String> trainable = new HashSet<>(spec.trainable());
    model.parameters().forEach((name, p) -> p.setTrainable(trainable.contains(name)));
    this.engine =
        new DpSgdEngine(model, DpSgdConfig.abadi(0, spec.maxGradNorm()), NormRules.standard());
    this.tokenizer =
        TextTokenizer.load(
            dir.resolve("tokenizer.json"), TokenizerOptions.truncating(spec.maxLength()));
  }

  /** A cached model of {@code spec} that no other task is using (loaded if none is idle). */
  static ExecutorModel borrow(ModelSpec spec) {
    synchronized (IDLE) {
      Deque<ExecutorModel> idle = IDLE.get(spec);
      if (idle != null && !idle.isEmpty()) {
        return idle.pop();
      }
    }
    return new ExecutorModel(spec);
  }

  /** Returns this model to the cache for the next task of its spec. */
  void giveBack() {
    synchronized (IDLE) {
      IDLE.computeIfAbsent(spec, s -> new ArrayDeque<>()).push(this);
    }
  }

  /** Copies {@code values} (flat, by parameter name) into the model. */
  void load(Map<String, float[]> values) {
    Map<String, Parameter> parameters = model.parameters();
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      values.forEach((name, v) -> {
        Parameter p = parameters.get(name);
        if (p == null) {
          throw new IllegalArgumentException("the model has no parameter " + name);
        }
        p.tensor().detach().copy_(Tensor.create(v, p.shape()));
      });
    }
  }

  /**
   * The clipped gradient sum of {@code records} under the loaded parameters. {@code midway} runs
   * after the records are accumulated and before the sums are taken (a test's failure hook); if
   * anything throws, the accumulators are emptied so that a retry starts clean.
   */
  GradientShare share(List<LabelledText> records, long collatorSeed, Runnable midway) {
    long started = System.nanoTime();
    model.train(true);
    double lossSum = 0;
    try {
      if (!records.isEmpty()) {
        EncodedTextDataset data = encode(records);
        try (PointerScope scope = new PointerScope();
            SequenceClassificationTask task =
                new SequenceClassificationTask(
                    model, data, spec.physicalBatchSize(), tokenizer.padId(), collatorSeed)) {
          for (TextBatch batch :
              task.physicalBatches(IntStream.range(0, data.size()).toArray())) {
            try (Tape tape = engine.startTape()) {
              Tensor loss = task.lossSum(batch);
              engine.accumulate(tape, loss);
              lossSum += loss.item_double();
            }
          }
        }
      }
      midway.run();
      return new GradientShare(engine.takeClippedSums(), lossSum, records.size(),
          (System.nanoTime() - started) / 1e6);
    } catch (RuntimeException | Error e) {
      engine.takeClippedSums();
      throw e;
    }
  }

  /** Arg-max class of every text under the loaded parameters, in eval mode. */
  int[] predict(List<String> texts) {
    List<TextExample> examples =
        texts.stream().map(t -> new TextExample(t, null, TextExample.UNLABELED)).toList();
    EncodedTextDataset data =
        new EncodedTextDataset(
            tokenizer.encodeExamples(examples), new int[examples.size()]);
    float[][] p;
    try (SequenceClassificationTask task =
        new SequenceClassificationTask(model, data, spec.physicalBatchSize(), tokenizer.padId(), 0)) {
      p = task.probabilities(data);
    }
    int[] out = new int[p.length];
    for (int i = 0; i < p.length; i++) {
      for (int k = 1; k < p[i].length; k++) {
        if (p[i][k] > p[i][out[i]]) {
          out[i] = k;
        }
      }
    }
    return out;
  }

  private EncodedTextDataset encode(List<LabelledText> records) {
    List<TextExample> examples =
        records.stream().map(r -> new TextExample(r.text(), r.textPair(), r.label())).toList();
    return new EncodedTextDataset(
        tokenizer.encodeExamples(examples),
        records.stream().mapToInt(LabelledText::label).toArray());
  }
}
