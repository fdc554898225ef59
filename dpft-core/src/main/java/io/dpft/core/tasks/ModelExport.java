package io.dpft.core.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.core.io.AtomicFiles;
import io.dpft.core.io.SafetensorsWriter;
import io.dpft.core.io.WeightLoader;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.PretrainedBert;
import io.dpft.core.models.PretrainedGpt2;
import io.dpft.core.models.PretrainedVit;
import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Module;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.TrainingCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Merges a run's trained parameters into its base model and writes a standard Hugging Face
 * directory for inference: {@code config.json} (the base config; for a classifier plus
 * {@code num_labels}, {@code id2label}, {@code label2id}), {@code model.safetensors} with every
 * parameter, and the base directory's {@code tokenizer.json} and {@code preprocessor_config.json}
 * where it has them. A text classifier is laid out by its pooling ({@link TextClassifierExport}):
 * a {@code *ForSequenceClassification} for CLS, a sentence-transformers model for mean pooling.
 * Text classification (BERT/RoBERTa), causal LM (GPT-2) and image classification (ViT) runs.
 * A LoRA run's low-rank updates are merged into their weights ({@link Linear#mergeLowRankUpdate}),
 * so the directory is a plain model; {@link #exportAdapter} writes the adapter alone instead.
 * Adapter and side-network runs are refused: a Hugging Face model class has no place for them.
 * Written into a staging directory and renamed into place.
 */
public final class ModelExport {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Files of the base directory that inference needs besides the weights, copied when present. */
  private static final List<String> COPIED = List.of("tokenizer.json", PretrainedVit.PREPROCESSOR_CONFIG);

  private ModelExport() {}

  /** Exports the run in {@code runDirectory} to {@code outDirectory} (which must not exist). */
  public static void exportRun(Path runDirectory, Path outDirectory) throws IOException {
    export(runDirectory, outDirectory, false);
  }

  /**
   * Exports a LoRA run's adapter alone to {@code outDirectory} (which must not exist), in PEFT's
   * layout ({@link LoraAdapterExport}): {@code PeftModel.from_pretrained(base, dir)} loads it.
   *
   * @throws IllegalArgumentException if the run's method is not LoRA
   */
  public static void exportAdapter(Path runDirectory, Path outDirectory) throws IOException {
    export(runDirectory, outDirectory, true);
  }

  private static void export(Path runDirectory, Path outDirectory, boolean adapterOnly)
      throws IOException {
    RunManifest manifest = RunManifest.read(runDirectory);
    String modules = modulesHuggingFaceCannotLoad(manifest.fineTuningMethod());
    if (modules != null) {
      throw new IllegalArgumentException("run " + runDirectory + " trained " + modules
          + ", which Hugging Face's model classes cannot load: use dpft predict or eval on the"
          + " run directory, or the Java API (TrainedModel.load), instead of an export");
    }
    if (adapterOnly && !(manifest.fineTuningMethod() instanceof FineTuningMethod.Lora)) {
      throw new IllegalArgumentException("--adapter-only exports a LoRA run's adapter; run "
          + runDirectory + " trained with --method " + manifest.method());
    }
    Path base = Path.of(manifest.modelDir());
    Path trained = runDirectory.resolve(RunManifest.CHECKPOINT).resolve(TrainingCheckpoint.TRAINABLE);
    if (!Files.isRegularFile(trained)) {
      throw new IllegalArgumentException(
          "run " + runDirectory + " has no trained parameters: " + trained + " is missing");
    }
    TrainingCheckpoint.verify(trained.getParent());
    TaskKind task = TaskKind.parse(manifest.task());
    ObjectNode config = (ObjectNode) JSON.readTree(base.resolve("config.json").toFile());
    if (task != TaskKind.CAUSAL_LM) {
      labels(config, manifest.labels());
    }
    try (Module model = baseModel(task, base, manifest)) {
      manifest.fineTuningMethod().extend(model);
      WeightLoader.load(trained, model.namedParameters(), WeightLoader.Mode.LENIENT);
      Path staging = AtomicFiles.createStagingDirectory(outDirectory);
      try {
        if (adapterOnly) {
          LoraAdapterExport.write(staging, model, task, manifest);
        } else {
          mergeLowRankUpdates(model);
          if (model instanceof BertModel classifier) {
            TextClassifierExport.write(
                staging, classifier, config, base, manifest.maxLength(), runDirectory.toString());
          } else {
            writeMerged(staging, model, config, base, runDirectory);
          }
        }
        AtomicFiles.publishDirectory(staging, outDirectory);
      } catch (IOException | RuntimeException e) {
        AtomicFiles.deleteRecursively(staging);
        throw e;
      }
    }
  }

  /** What {@code method} adds that no Hugging Face model class holds, or null. */
  private static String modulesHuggingFaceCannotLoad(FineTuningMethod method) {
    if (method instanceof FineTuningMethod.Adapter || method instanceof FineTuningMethod.Reversible) {
      return "adapters";
    }
    return method instanceof FineTuningMethod.SideNetwork ? "a side network" : null;
  }

  /** Merges every low-rank update of {@code model} into its weight. */
  private static void mergeLowRankUpdates(Module model) {
    model.namedModules().values().forEach(m -> {
      if (m instanceof Linear linear && linear.hasLowRankUpdate()) {
        linear.mergeLowRankUpdate();
      }
    });
  }

  /** A GPT-2 or ViT: the base config and files, every parameter under the model's own names. */
  private static void writeMerged(
      Path staging, Module model, ObjectNode config, Path base, Path runDirectory)
      throws IOException {
    SafetensorsWriter.writeTensors(
        staging.resolve("model.safetensors"),
        model.namedParameters(),
        Map.of("format", "pt", "dpft_run", runDirectory.toString()));
    Files.write(
        staging.resolve("config.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
    for (String file : COPIED) {
      if (Files.isRegularFile(base.resolve(file))) {
        Files.copy(base.resolve(file), staging.resolve(file));
      }
    }
  }

  /** The run's base model, with the task head the run trained (fresh until the checkpoint loads). */
  private static Module baseModel(TaskKind task, Path base, RunManifest manifest)
      throws IOException {
    int labels = manifest.labels().size();
    switch (task) {
      case CAUSAL_LM:
        return PretrainedGpt2.load(base);
      case IMAGE_CLASSIFICATION:
        return PretrainedVit.load(base, labels).model();
      default:
        BertModel.Pooling pooling =
            BertModel.Pooling.valueOf(manifest.pooling().toUpperCase(Locale.ROOT));
        return PretrainedBert.load(
                base, BertModel.Options.sequenceClassification(labels, pooling))
            .model();
    }
  }

  /** {@code num_labels}, {@code id2label} and {@code label2id} of a classifier. */
  private static void labels(ObjectNode config, List<String> labels) {
    config.put("num_labels", labels.size());
    ObjectNode id2label = config.putObject("id2label");
    ObjectNode label2id = config.putObject("label2id");
    for (int i = 0; i < labels.size(); i++) {
      id2label.put(Integer.toString(i), labels.get(i));
      label2id.put(labels.get(i), i);
    }
  }
}
