package io.dpft.core.runs;

import io.dpft.core.models.PretrainedVit;
import io.dpft.core.models.VitModel;
import io.dpft.core.tasks.ImageClassificationTask;
import io.dpft.core.train.RunManifest;
import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.image.ImageDataset;
import io.dpft.data.datasets.image.ImageTransform;
import io.dpft.data.datasets.image.RawImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The ViT image classifier an image-classification run produced, rebuilt from its run directory:
 * the pretrained model (config.json's {@code model_dir}, or the one given) with the checkpoint's
 * trained parameters copied over it, the model's image transform and the run's label names. Holds
 * native memory, so close it.
 */
public final class TrainedImageClassifier implements TrainedModel {
  private final Path runDirectory;
  private final RunManifest manifest;
  private final VitModel model;
  private final ImageTransform transform;

  private TrainedImageClassifier(
      Path runDirectory, RunManifest manifest, VitModel model, ImageTransform transform) {
    this.runDirectory = runDirectory;
    this.manifest = manifest;
    this.model = model;
    this.transform = transform;
  }

  /**
   * Loads the run in {@code runDirectory}.
   *
   * @param modelOverride a model directory to use instead of the run's, or null
   * @throws IllegalArgumentException naming the file at fault when the directory is not a finished
   *     run, or the checkpoint does not fit the model
   */
  public static TrainedImageClassifier load(Path runDirectory, String modelOverride) throws IOException {
    RunDirectory run = RunDirectory.open(runDirectory);
    Path trainable = run.trainableParameters();
    RunManifest manifest = run.manifest();
    Path modelDir = TrainedParameters.modelDirectory(manifest, modelOverride);
    PretrainedVit.Loaded loaded = PretrainedVit.load(modelDir, manifest.labels().size());
    VitModel model =
        TrainedParameters.withTrainedParameters(
            loaded.model(), manifest, trainable, modelDir, loaded.freshlyInitialised());
    try {
      return new TrainedImageClassifier(runDirectory, manifest, model, PretrainedVit.imageTransform(modelDir));
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  @Override
  public Path runDirectory() {
    return runDirectory;
  }

  /** The dataset config.json names: a built-in dataset's name or the training path. */
  public String dataset() {
    return manifest.dataset();
  }

  /** The run's label names, in the classifier's output order. */
  public LabelVocabulary labels() {
    return new LabelVocabulary(manifest.labels());
  }

  /** How images are prepared for the model; read data with it. */
  public ImageTransform transform() {
    return transform;
  }

  /**
   * Accuracy, top-5 accuracy and the confusion matrix on {@code data}, its labels matched to the
   * run's by name.
   *
   * @throws IllegalArgumentException when {@code data} has a label the run was not trained on
   */
  public ImageClassificationTask.ImageScores evaluate(ImageDataset data) {
    ImageDataset aligned = data.withLabelNames(labels()).withTransform(transform);
    return task(aligned).evaluate(aligned);
  }

  /** Class probabilities (one row per image, columns in {@link #labels()} order). */
  public float[][] probabilities(String source, List<RawImage> images) {
    ImageDataset data = new ImageDataset(source, images, new int[images.size()], labels(),
        SkipReport.NONE, transform);
    float[][] logits = task(data).logits(data);
    float[][] p = new float[logits.length][];
    for (int i = 0; i < logits.length; i++) {
      p[i] = softmax(logits[i]);
    }
    return p;
  }

  /**
   * The most probable label and every label's probability, one per image; {@code source} names
   * the images in messages.
   */
  public List<ClassPrediction> predict(String source, List<RawImage> images) {
    return ClassPrediction.of(probabilities(source, images), labels());
  }

  /** exp(z_k − max z) / Σ_j exp(z_j − max z), computed in double. */
  private static float[] softmax(float[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : z) {
      max = Math.max(max, v);
    }
    double[] p = new double[z.length];
    double sum = 0;
    for (int k = 0; k < z.length; k++) {
      p[k] = Math.exp(z[k] - max);
      sum += p[k];
    }
    float[] out = new float[z.length];
    for (int k = 0; k < z.length; k++) {
      out[k] = (float) (p[k] / sum);
    }
    return out;
  }

  private ImageClassificationTask task(ImageDataset data) {
    return new ImageClassificationTask(model, data, TrainedParameters.batchSize(manifest));
  }

  @Override
  public void close() {
    model.close();
  }
}
