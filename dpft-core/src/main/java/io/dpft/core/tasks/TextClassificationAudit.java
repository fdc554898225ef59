package io.dpft.core.tasks;

import io.dpft.core.train.TrainingListener;
import io.dpft.data.batching.EncodedTextDataset;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.privacy.audit.AuditResult;
import io.dpft.privacy.audit.AuditSettings;
import io.dpft.privacy.audit.CanaryInclusion;
import io.dpft.privacy.random.StreamKey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalDouble;

/**
 * Audits a text-classification run in one training run (Steinke, Nasr and Jagielski, "Privacy
 * auditing with one (1) training run", NeurIPS 2023): draws {@link TextCanaries} from the training
 * data, includes each with probability 1/2, trains exactly as {@link TextClassificationJob} does
 * with the given settings, scores every canary by the trained model's loss on its canary label,
 * and bounds ε from below ({@link AuditResult}), written to the run directory's {@value
 * AuditFile#FILE}. The claim audited is the ε the run's accountant reports at the run's δ; a run
 * without DP is audited at the δ a private run would use, 1/N^1.1. The canaries and their
 * inclusion are secret unless the settings are seeded.
 */
public final class TextClassificationAudit {
  /** The training run, and its audit. */
  public record Outcome(FineTuningRun.Result run, AuditResult audit) {}

  private TextClassificationAudit() {}

  /** Runs the audit of {@code spec} with {@code settings} into a new {@code runDirectory}. */
  public static Outcome run(
      TextClassificationJob.Spec spec,
      FineTuningRun.Settings settings,
      AuditSettings audit,
      Path runDirectory,
      TrainingListener progress)
      throws IOException {
    StreamKey key =
        settings.seed().isPresent()
            ? StreamKey.fromSeed("audit-canaries", settings.seed().getAsLong())
            : StreamKey.generate();
    TextCanaries canaries = TextCanaries.draw(spec.data().train(), audit.canaries(), key);
    CanaryInclusion inclusion = CanaryInclusion.draw(audit.canaries(), key);
    DatasetSplits<TextDataset> data =
        new DatasetSplits<>(
            canaries.trainingSet(inclusion), spec.data().validation(), spec.data().test());
    TextClassificationJob.Spec withCanaries =
        new TextClassificationJob.Spec(
            spec.modelName(), spec.modelDirectory(), spec.datasetName(), data, spec.maxLength(),
            spec.pooling());
    return TextClassificationJob.run(
        withCanaries,
        settings,
        runDirectory,
        false,
        progress,
        null,
        (task, tokenizer, result) -> {
          double[] losses =
              task.losses(EncodedTextDataset.encode(canaries.canarySet(), tokenizer));
          boolean dp = result.delta() > 0;
          AuditResult audited =
              AuditResult.of(
                  losses,
                  inclusion,
                  audit,
                  dp ? OptionalDouble.of(result.epsilon()) : OptionalDouble.empty(),
                  dp ? result.delta() : PrivacyTarget.defaultDelta(data.train().size()));
          AuditFile.write(runDirectory, audited);
          return new Outcome(result, audited);
        });
  }
}
