package io.dpft.core.runs;

import io.dpft.core.io.PretrainedModels;
import io.dpft.core.io.WeightLoader;
import io.dpft.core.nn.Module;
import io.dpft.core.nn.Precision;
import io.dpft.core.train.RunManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** How a finished run's model is rebuilt: its base model, its trained parameters, its batch size. */
final class TrainedParameters {
  private TrainedParameters() {}

  /**
   * Adds the run's method's modules to the pretrained {@code model} loaded from
   * {@code modelDir} ({@link io.dpft.core.peft.FineTuningMethod#extend}) and copies the run's
   * trained parameters ({@code trainable}) over it; closes the model when they do not fit. The
   * model is for inference: in eval mode, every parameter frozen, in the run's precision as far as
   * this CPU allows ({@link Precision#onThisCpu}; bfloat16 applies to linear products).
   *
   * @param mustLoad parameters the checkpoint has to provide (a fresh task head)
   * @throws IllegalArgumentException naming both when the checkpoint has tensors the model lacks,
   *     shapes differ or a {@code mustLoad} parameter is not in it
   */
  static <M extends Module> M withTrainedParameters(
      M model, RunManifest manifest, Path trainable, Path modelDir, List<String> mustLoad)
      throws IOException {
    try {
      manifest.fineTuningMethod().extend(model);
      WeightLoader.LoadReport report =
          WeightLoader.load(trainable, model.namedParameters(), WeightLoader.Mode.LENIENT);
      List<String> notLoaded = new ArrayList<>(mustLoad);
      notLoaded.removeAll(report.loaded());
      if (!report.unexpected().isEmpty()
          || !report.mismatched().isEmpty()
          || !notLoaded.isEmpty()) {
        throw new IllegalArgumentException(
            trainable
                + " does not fit the model in "
                + modelDir
                + ": unexpected "
                + report.unexpected()
                + ", shape mismatches "
                + report.mismatched()
                + ", not in the checkpoint "
                + notLoaded
                + " (load the run with the model it was trained from)");
      }
      model.eval();
      model.freeze((name, p) -> true);
      model.setPrecision(Precision.onThisCpu(Precision.parse(manifest.precision())));
      return model;
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Examples per forward pass of a trained run: its physical batch size (config.json), else 32
   * when the run does not say.
   */
  static int batchSize(RunManifest manifest) {
    int recorded = manifest.physicalBatchSize();
    return recorded > 0 ? recorded : 32;
  }

  /** The override, else the run's model directory, else (when that is gone) its model name. */
  static Path modelDirectory(RunManifest manifest, String modelOverride) throws IOException {
    PretrainedModels models = PretrainedModels.fromEnvironment();
    if (modelOverride != null) {
      return models.resolve(modelOverride);
    }
    Path recorded = Path.of(manifest.modelDir());
    if (Files.isDirectory(recorded)) {
      return recorded;
    }
    try {
      return models.resolve(manifest.model());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "the run's model directory "
              + recorded
              + " is gone and its model '"
              + manifest.model()
              + "' is not a bundled name; give the model directory the run was trained from",
          e);
    }
  }
}
