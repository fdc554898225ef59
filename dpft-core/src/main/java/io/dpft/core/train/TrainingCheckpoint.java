package io.dpft.core.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.io.AtomicFiles;
import io.dpft.core.io.SafetensorsCheckpoint;
import io.dpft.core.io.SafetensorsWriter;
import io.dpft.core.io.WeightLoader;
import io.dpft.core.nn.Module;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * A resumable checkpoint directory: {@code trainable.safetensors} (only the trainable parameters
 * under their Hugging Face names — a BiTFiT checkpoint is tiny), {@code optimizer.safetensors}
 * and {@code state.json} (step, privacy ledger, sampler state). The directory is written into a
 * staging directory and renamed into place, so a crash never leaves a half-written checkpoint.
 * {@code state.json} holds the sampler's key: protect it like the training data.
 */
public final class TrainingCheckpoint {
  /** The trained parameters, by Hugging Face name: load into a model to use the trained run. */
  public static final String TRAINABLE = "trainable.safetensors";
  static final String OPTIMIZER = "optimizer.safetensors";
  static final String STATE = "state.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrainingCheckpoint() {}

  /**
   * Saves the trainable parameters of {@code model} and the trainer's state to {@code dir},
   * replacing an earlier checkpoint there only once the new one is completely written.
   */
  public static void save(Path dir, Module model, Trainer<?> trainer) throws IOException {
    Path staging = AtomicFiles.createStagingDirectory(dir);
    try {
      Map<String, Tensor> trainable = new LinkedHashMap<>();
      model.parameters().forEach((name, p) -> {
        if (p.isTrainable()) {
          trainable.put(name, p.tensor());
        }
      });
      SafetensorsWriter.writeTensors(staging.resolve(TRAINABLE), trainable, Map.of());
      SafetensorsWriter.writeTensors(
          staging.resolve(OPTIMIZER), trainer.optimizerState(), Map.of());
      AtomicFiles.writeJson(staging.resolve(STATE), trainer.state());
      AtomicFiles.replaceDirectory(staging, dir);
    } catch (IOException | RuntimeException e) {
      AtomicFiles.deleteRecursively(staging);
      throw e;
    }
  }

  /**
   * Loads the checkpoint in {@code dir} into {@code model} (whose method must make the same
   * parameters trainable) and a fresh {@code trainer} over it, which then continues the run.
   */
  public static void resume(Path dir, Module model, Trainer<?> trainer) throws IOException {
    Path state = dir.resolve(STATE);
    if (!Files.isRegularFile(state)) {
      throw new IllegalArgumentException(
          "no checkpoint in " + dir + ": " + STATE + " is missing (was the run saved?)");
    }
    TrainingState saved = JSON.readValue(state.toFile(), TrainingState.class);
    WeightLoader.load(dir.resolve(TRAINABLE), model.namedParameters(), WeightLoader.Mode.LENIENT);
    try (PointerScope scope = new PointerScope();
        SafetensorsCheckpoint optimizer = SafetensorsCheckpoint.open(dir.resolve(OPTIMIZER))) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (String name : optimizer.names()) {
        tensors.put(name, optimizer.read(name));
      }
      trainer.restore(saved, tensors);
    }
  }
}
