package io.dpft.core.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.core.io.AtomicFiles;
import io.dpft.core.io.SafetensorsWriter;
import io.dpft.core.io.WeightLoader;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.PretrainedBert;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.TrainingCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Merges a text-classification run's trained parameters into its base model and writes a
 * standard Hugging Face directory for inference: {@code config.json} (the base config plus
 * {@code num_labels}, {@code id2label}, {@code label2id} and dpft's pooling),
 * {@code model.safetensors} with every parameter, {@code tokenizer.json}. Written into a staging
 * directory and renamed into place.
 */
public final class ModelExport {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ModelExport() {}

  /** Exports the run in {@code runDirectory} to {@code outDirectory} (which must not exist). */
  public static void exportRun(Path runDirectory, Path outDirectory) throws IOException {
    RunManifest manifest = RunManifest.read(runDirectory);
    Path base = Path.of(manifest.modelDir());
    Path trained = runDirectory.resolve(RunManifest.CHECKPOINT).resolve(TrainingCheckpoint.TRAINABLE);
    if (!Files.isRegularFile(trained)) {
      throw new IllegalArgumentException(
          "run " + runDirectory + " has no trained parameters: " + trained + " is missing");
    }
    List<String> labels = manifest.labels();
    BertModel.Pooling pooling = BertModel.Pooling.valueOf(manifest.pooling().toUpperCase(Locale.ROOT));
    try (BertModel model =
        PretrainedBert.load(base, BertModel.Options.sequenceClassification(labels.size(), pooling))
            .model()) {
      WeightLoader.load(trained, model.namedParameters(), WeightLoader.Mode.LENIENT);
      Path staging = AtomicFiles.createStagingDirectory(outDirectory);
      try {
        SafetensorsWriter.writeTensors(
            staging.resolve("model.safetensors"),
            model.namedParameters(),
            Map.of("format", "pt", "dpft_run", runDirectory.toString()));
        ObjectNode config = (ObjectNode) JSON.readTree(base.resolve("config.json").toFile());
        config.put("num_labels", labels.size());
        ObjectNode id2label = config.putObject("id2label");
        ObjectNode label2id = config.putObject("label2id");
        for (int i = 0; i < labels.size(); i++) {
          id2label.put(Integer.toString(i), labels.get(i));
          label2id.put(labels.get(i), i);
        }
        config.put("dpft_pooling", manifest.pooling());
        Files.write(staging.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
        Files.copy(base.resolve("tokenizer.json"), staging.resolve("tokenizer.json"));
        AtomicFiles.publishDirectory(staging, outDirectory);
      } catch (IOException | RuntimeException e) {
        AtomicFiles.deleteRecursively(staging);
        throw e;
      }
    }
  }
}
