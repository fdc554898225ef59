package io.dpft.core.tasks;

import io.dpft.core.models.Gpt2Model;
import io.dpft.core.models.PretrainedGpt2;
import io.dpft.core.nn.Parameter;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.RunDirectoryLock;
import io.dpft.core.train.TrainingListener;
import io.dpft.data.batching.CausalLmExample;
import io.dpft.data.datasets.TableToTextExample;
import io.dpft.data.datasets.table.TableToTextDataset;
import io.dpft.data.tokenize.TextTokenizer;
import io.dpft.data.tokenize.TokenizerOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Fine-tunes a pretrained GPT-2 on table-to-text data (E2E-style: a table prompt and reference
 * texts), privately or not, through {@link FineTuningRun}: {@link CausalLmTask} learns each
 * reference given its prompt (loss on the target tokens only, encoded by {@link PromptEncoding}),
 * and validation and test are scored by generating greedily for each distinct prompt
 * ({@link TextGeneration}): corpus BLEU and mean ROUGE-L. Generation is the slow part of a run, so
 * each evaluation covers at most {@link Spec#evalPrompts()} prompts (the first ones of the split)
 * and {@link Spec#maxNewTokens()} tokens per prompt. The one call behind {@code dpft train --task
 * causal-lm}.
 *
 * <p>GPT-2's LM head is tied to the token embedding {@code transformer.wte.weight}: under DP the
 * engine clips the sum of both uses' per-sample gradients, so full fine-tuning is private too.
 */
public final class CausalLmJob {
  /** Score names in metrics.jsonl and the run's result: BLEU in percent, ROUGE-L F in [0, 1]. */
  public static final String BLEU = "bleu";

  public static final String ROUGE_L = "rouge_l";

  /** Number of prompts scored, in metrics.jsonl and the run's result. */
  public static final String PROMPTS = "prompts";

  /** The parameter-name prefix of the LM head: it owns no parameter (tied to wte). */
  static final String HEAD = "lm_head";

  /**
   * The model and data of a run.
   *
   * @param modelDirectory a Hugging Face GPT-2 directory with {@code tokenizer.json}
   * @param maxLength training rows (prompt and target) are cut to this many tokens
   * @param evalPrompts distinct prompts generated for at most per evaluation
   * @param maxNewTokens tokens generated at most per prompt
   */
  public record Spec(
      String modelName,
      Path modelDirectory,
      String datasetName,
      TableToTextDataset train,
      TableToTextDataset validation,
      TableToTextDataset test,
      int maxLength,
      int evalPrompts,
      int maxNewTokens) {
    public Spec {
      Objects.requireNonNull(modelName, "modelName");
      Objects.requireNonNull(modelDirectory, "modelDirectory");
      Objects.requireNonNull(datasetName, "datasetName");
      Objects.requireNonNull(train, "train");
      Objects.requireNonNull(validation, "validation");
      Objects.requireNonNull(test, "test");
      if (maxLength < 2) {
        throw new IllegalArgumentException("maxLength must be >= 2, got " + maxLength);
      }
      if (evalPrompts < 1) {
        throw new IllegalArgumentException("evalPrompts must be >= 1, got " + evalPrompts);
      }
      if (maxNewTokens < 1) {
        throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
      }
      if (train.size() == 0) {
        throw new IllegalArgumentException(train.source() + " has no training examples");
      }
    }
  }

  private CausalLmJob() {}

  /**
   * Runs {@code spec} with {@code settings} into {@code runDirectory}. With {@code resume},
   * continues from the directory's checkpoint with the same privacy ledger and sampler.
   *
   * @throws IllegalArgumentException when the method trains nothing (last-layer: the head is
   *     tied)
   */
  public static FineTuningRun.Result run(
      Spec spec,
      FineTuningRun.Settings settings,
      Path runDirectory,
      boolean resume,
      TrainingListener progress)
      throws IOException {
    try (RunDirectoryLock lock = FineTuningRun.open(runDirectory, resume, settings);
        TextTokenizer tokenizer =
            TextTokenizer.load(
                spec.modelDirectory().resolve("tokenizer.json"),
                TokenizerOptions.truncating(spec.maxLength()));
        Gpt2Model model = PretrainedGpt2.load(spec.modelDirectory())) {
      settings.method().extend(model);
      checkMethod(model, settings);
      PromptEncoding encoding = new PromptEncoding(tokenizer, model.config().eosTokenId());
      List<CausalLmExample> train = new ArrayList<>();
      spec.train().trainingPairs().forEach(p -> train.add(encoding.example(p.prompt(), p.target())));
      CausalLmTask task =
          new CausalLmTask(
              model, train, settings.physicalBatchSize(), spec.maxLength(),
              model.config().eosTokenId(), settings.seed().orElse(0));
      TextGeneration generation =
          new TextGeneration(model, encoding::promptIds, encoding::decode,
              TextGeneration.Settings.greedy(spec.maxNewTokens(), settings.physicalBatchSize()));
      TableToTextDataset validation = firstPrompts(spec.validation(), spec.evalPrompts());
      TableToTextDataset test = firstPrompts(spec.test(), spec.evalPrompts());
      // train: (prompt, reference) pairs, the examples DP protects; held-out splits: inputs
      Map<String, Integer> sizes =
          FineTuningRun.splitSizes(train.size(), spec.validation().size(), spec.test().size());
      FineTuningRun.Subject subject =
          new FineTuningRun.Subject(
              spec.modelName(),
              spec.modelDirectory(),
              TaskKind.CAUSAL_LM,
              spec.datasetName(),
              List.of(),
              spec.maxLength(),
              "",
              sizes,
              FineTuningRun.skippedRows(
                  spec.train().skipped().skipped(),
                  spec.validation().skipped().skipped(),
                  spec.test() == spec.validation() ? 0 : spec.test().skipped().skipped()));
      return FineTuningRun.run(
          model,
          HEAD,
          task,
          () -> scores(generation.score(validation)),
          () -> scores(generation.score(test)),
          subject,
          settings,
          lock,
          resume,
          progress);
    }
  }

  /** BLEU, ROUGE-L and the number of prompts of one evaluation, as metrics.jsonl records them. */
  public static Map<String, Double> scores(TextGeneration.Scores scores) {
    Map<String, Double> values = new LinkedHashMap<>();
    values.put(BLEU, scores.bleu().score());
    values.put(ROUGE_L, scores.rougeL());
    values.put(PROMPTS, (double) scores.hypotheses().size());
    return values;
  }

  /** {@code data} cut to its first {@code count} inputs (distinct prompts). */
  static TableToTextDataset firstPrompts(TableToTextDataset data, int count) {
    if (data.size() <= count) {
      return data;
    }
    List<TableToTextExample> first = data.examples().subList(0, count);
    return new TableToTextDataset(
        data.source() + " [first " + count + " inputs]", first, data.skipped());
  }

  /** Refuses methods that train nothing, before any file is written. */
  private static void checkMethod(Gpt2Model model, FineTuningRun.Settings settings) {
    for (FineTuningMethod method : settings.method().phases()) {
      method.apply(model, HEAD);
      if (model.parameters().values().stream().noneMatch(Parameter::isTrainable)) {
        throw new IllegalArgumentException("method " + method.cliName() + " trains no parameter"
            + " of GPT-2 (its LM head is tied to the token embedding); use bitfit or full");
      }
    }
  }
}
