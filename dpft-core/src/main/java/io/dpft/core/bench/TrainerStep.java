package io.dpft.core.bench;

import io.dpft.core.models.BertModel;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.tasks.SequenceClassificationTask;
import io.dpft.core.train.Privacy;
import io.dpft.core.train.Trainer;
import io.dpft.core.train.TrainingConfig;
import io.dpft.core.train.TrainingListener;
import io.dpft.data.batching.TextBatch;
import java.util.OptionalLong;

/**
 * A step of the production {@link Trainer} on a task whose training set is the one benchmark
 * batch: with N = B and shuffled batches of B every step sees the whole batch, so the benchmark
 * times exactly what training runs (DP-SGD or plain gradients, AdamW update, privacy ledger).
 */
final class TrainerStep implements BenchStep {
  private final Trainer<TextBatch> trainer;

  /**
   * @param totalSteps every step this object will run (the trainer's schedule length)
   */
  TrainerStep(
      BertModel model,
      SequenceClassificationTask task,
      FineTuningMethod method,
      Privacy privacy,
      OptimizerConfig optimizer,
      double learningRate,
      long totalSteps) {
    TrainingConfig config =
        new TrainingConfig(
            method,
            Benchmark.HEAD_PREFIX,
            totalSteps, // epochs: q = B/N = 1, so one step per epoch
            task.size(),
            optimizer,
            learningRate,
            0.0,
            privacy,
            TrainingConfig.Sampling.SHUFFLE,
            OptionalLong.empty());
    this.trainer = new Trainer<>(model, task, config);
  }

  @Override
  public void run() {
    if (!trainer.run(1, new TrainingListener() {})) {
      throw new IllegalStateException("the trainer stopped early at step " + trainer.step());
    }
  }

  @Override
  public void close() {
    trainer.close();
  }
}
