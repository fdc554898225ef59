package io.dpft.core.train;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.io.AtomicFiles;
import io.dpft.core.io.SafetensorsCheckpoint;
import io.dpft.core.io.SafetensorsWriter;
import io.dpft.core.io.WeightLoader;
import io.dpft.core.nn.Module;
import io.dpft.data.datasets.builtin.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A resumable checkpoint directory: {@code trainable.safetensors} (every parameter that may
 * differ from the pretrained model, {@link Trainer#changedParameters}, under its Hugging Face
 * name — a BiTFiT checkpoint is tiny, a two-phase one holds the first phase's weights too),
 * {@code optimizer.safetensors}, {@code state.json} (step, privacy ledger, sampler state) and
 * {@value #DIGESTS} (their SHA-256 in {@code sha256sum} format, checked before anything is read).
 * The directory is assembled aside and renamed into place, so a crash never leaves a half-written
 * checkpoint; it is private to its owner (0700, files 0600), since {@code state.json} holds the
 * sampler's key.
 */
public final class TrainingCheckpoint {
  /** The trained parameters, by Hugging Face name: load into a model to use the trained run. */
  public static final String TRAINABLE = "trainable.safetensors";
  static final String OPTIMIZER = "optimizer.safetensors";
  static final String STATE = "state.json";
  /** The SHA-256 of every other file of the checkpoint, as {@code sha256sum -c} reads them. */
  public static final String DIGESTS = "SHA256SUMS";
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrainingCheckpoint() {}

  /**
   * Saves the changed parameters of the trainer's model and the trainer's state to {@code dir},
   * replacing an earlier checkpoint there only once the new one is completely written.
   *
   * @throws RunFailedException if a parameter is not finite (the earlier checkpoint is kept)
   */
  public static void save(Path dir, Trainer<?> trainer) throws IOException {
    Map<String, Tensor> changed = trainer.changedParameters();
    try (PointerScope scope = new PointerScope()) {
      for (Map.Entry<String, Tensor> p : changed.entrySet()) {
        if (!torch.isfinite(p.getValue()).all().item_bool()) {
          throw new RunFailedException(
              "parameter " + p.getKey() + " is not finite after step " + trainer.step()
                  + "; the checkpoint in " + dir + " was not overwritten");
        }
      }
    }
    publish(dir, trainer.state(), staging -> {
      SafetensorsWriter.writeTensors(staging.resolve(TRAINABLE), changed, Map.of());
      SafetensorsWriter.writeTensors(
          staging.resolve(OPTIMIZER), trainer.optimizerState(), Map.of());
    });
  }

  /**
   * Marks the run in {@code dir} as stopped for good by {@code reason}, charging the ledger of
   * {@code trainer} (every step it took), while keeping the saved parameters and optimizer state
   * as they are; creates a checkpoint without parameters if there was none.
   */
  public static void markStopped(Path dir, Trainer<?> trainer, String reason) throws IOException {
    boolean saved = Files.isRegularFile(dir.resolve(DIGESTS));
    if (saved) {
      verify(dir);
    }
    publish(dir, trainer.state().stopped(reason), staging -> {
      for (String kept : List.of(TRAINABLE, OPTIMIZER)) {
        if (saved && Files.isRegularFile(dir.resolve(kept))) {
          Files.copy(dir.resolve(kept), staging.resolve(kept));
        }
      }
    });
  }

  /** Writes tensors into a staging directory. */
  @FunctionalInterface
  private interface Contents {
    void writeTo(Path staging) throws IOException;
  }

  /**
   * Assembles {@code dir} aside ({@code tensors}, {@code state}, digests, owner-only
   * permissions), then swaps it in.
   */
  private static void publish(Path dir, TrainingState state, Contents tensors)
      throws IOException {
    Path staging = AtomicFiles.createStagingDirectory(dir);
    try {
      tensors.writeTo(staging);
      AtomicFiles.writeBytes(
          staging.resolve(STATE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
      seal(staging);
      AtomicFiles.replaceDirectory(staging, dir);
    } catch (IOException | RuntimeException e) {
      AtomicFiles.deleteRecursively(staging);
      throw e;
    }
  }

  /**
   * Writes {@value #DIGESTS} for the files in the checkpoint directory {@code dir} and makes it
   * private to its owner (0700, files 0600): the last step of writing a checkpoint.
   */
  public static void seal(Path dir) throws IOException {
    StringBuilder sums = new StringBuilder();
    for (Path file : listFiles(dir)) {
      if (!file.getFileName().toString().equals(DIGESTS)) {
        sums.append(Sha256.of(file)).append("  ").append(file.getFileName()).append('\n');
      }
    }
    AtomicFiles.writeBytes(dir.resolve(DIGESTS), sums.toString().getBytes(StandardCharsets.UTF_8));
    for (Path file : listFiles(dir)) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
  }

  private static List<Path> listFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(Files::isRegularFile).sorted().toList();
    }
  }

  /**
   * Checks every file of the checkpoint in {@code dir} against {@value #DIGESTS}.
   *
   * @throws IllegalArgumentException naming the first file that is missing, extra or changed
   */
  public static void verify(Path dir) throws IOException {
    Path sums = dir.resolve(DIGESTS);
    if (!Files.isRegularFile(sums)) {
      throw new IllegalArgumentException(
          "checkpoint " + dir + " is damaged: it has no " + DIGESTS + "; restore it from a copy or"
              + " start a new run");
    }
    List<String> listed = new ArrayList<>();
    for (String line : Files.readAllLines(sums, StandardCharsets.UTF_8)) {
      String[] fields = line.split(" {2}", 2);
      if (fields.length != 2) {
        throw damaged(dir, sums + " has a malformed line '" + line + "'");
      }
      Path file = dir.resolve(fields[1]);
      listed.add(fields[1]);
      if (!Files.isRegularFile(file)) {
        throw damaged(dir, fields[1] + " is missing");
      }
      if (!Sha256.of(file).equals(fields[0])) {
        throw damaged(dir, fields[1] + " does not match its SHA-256 in " + DIGESTS
            + " (edited or truncated)");
      }
    }
    for (Path file : listFiles(dir)) {
      String name = file.getFileName().toString();
      if (!name.equals(DIGESTS) && !listed.contains(name)) {
        throw damaged(dir, name + " is not listed in " + DIGESTS);
      }
    }
  }

  private static IllegalArgumentException damaged(Path dir, String what) {
    return new IllegalArgumentException(
        "checkpoint " + dir + " is damaged: " + what
            + "; restore it from a copy or start a new run");
  }

  /**
   * Loads the checkpoint in {@code dir} into {@code model} (whose method must make the same
   * parameters trainable) and a fresh {@code trainer} over it, which then continues the run.
   *
   * @throws IllegalArgumentException naming the checkpoint when it is damaged, stopped for good,
   *     or belongs to a run of another configuration
   */
  public static void resume(Path dir, Module model, Trainer<?> trainer) throws IOException {
    verify(dir);
    TrainingState saved = readState(dir);
    if (Files.isRegularFile(dir.resolve(TRAINABLE))) {
      WeightLoader.load(dir.resolve(TRAINABLE), model.namedParameters(), WeightLoader.Mode.LENIENT);
    }
    try (PointerScope scope = new PointerScope()) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      if (Files.isRegularFile(dir.resolve(OPTIMIZER))) {
        try (SafetensorsCheckpoint optimizer = SafetensorsCheckpoint.open(dir.resolve(OPTIMIZER))) {
          for (String name : optimizer.names()) {
            tensors.put(name, optimizer.read(name));
          }
        }
      }
      trainer.restore(saved, tensors);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot resume from " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The saved state (after {@link #verify}): the step the checkpoint was taken after, etc. */
  public static TrainingState readState(Path dir) throws IOException {
    Path state = dir.resolve(STATE);
    try {
      return JSON.readValue(state.toFile(), TrainingState.class);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          state + " is not a valid checkpoint state (" + e.getOriginalMessage()
              + "); restore it from a copy or start a new run", e);
    }
  }
}
