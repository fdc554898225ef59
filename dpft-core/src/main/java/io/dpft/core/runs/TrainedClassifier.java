package io.dpft.core.runs;

import io.dpft.core.models.BertModel;
import io.dpft.core.models.PretrainedBert;
import io.dpft.core.tasks.SequenceClassificationTask;
import io.dpft.core.train.RunManifest;
import io.dpft.data.batching.EncodedTextDataset;
import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.metrics.ConfusionMatrix;
import io.dpft.data.tokenize.TextTokenizer;
import io.dpft.data.tokenize.TokenEncoding;
import io.dpft.data.tokenize.TokenizerOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The sequence classifier a training run produced, rebuilt from its run directory: the pretrained
 * model (config.json's {@code model_dir}, or the one given) with the checkpoint's trained
 * parameters copied over it, its tokenizer at the run's {@code max_length}, and the run's label
 * names. Holds native memory, so close it.
 */
public final class TrainedClassifier implements TrainedModel {
  private final RunDirectory run;
  private final BertModel model;
  private final TextTokenizer tokenizer;

  private TrainedClassifier(RunDirectory run, BertModel model, TextTokenizer tokenizer) {
    this.run = run;
    this.model = model;
    this.tokenizer = tokenizer;
  }

  /**
   * Loads the run in {@code runDirectory}.
   *
   * @param modelOverride a model directory or bundled name to use instead of the run's, or null
   * @throws IllegalArgumentException naming the file at fault when the directory is not a finished
   *     run, or the checkpoint does not fit the model
   */
  public static TrainedClassifier load(Path runDirectory, String modelOverride) throws IOException {
    RunDirectory run = RunDirectory.open(runDirectory);
    Path trainable = run.trainableParameters();
    RunManifest manifest = run.manifest();
    Path modelDir = TrainedParameters.modelDirectory(manifest, modelOverride);
    PretrainedBert.Loaded loaded =
        PretrainedBert.load(
            modelDir,
            BertModel.Options.sequenceClassification(manifest.labels().size(), pooling(run)));
    BertModel model =
        TrainedParameters.withTrainedParameters(
            loaded.model(), manifest, trainable, modelDir, loaded.freshlyInitialised());
    try {
      return new TrainedClassifier(
          run,
          model,
          TextTokenizer.load(modelDir, TokenizerOptions.truncating(manifest.maxLength())));
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  private static BertModel.Pooling pooling(RunDirectory run) {
    String pooling = run.manifest().pooling();
    try {
      return BertModel.Pooling.valueOf(pooling.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          run.path().resolve(RunManifest.FILE)
              + ": pooling must be cls or mean, got '"
              + pooling
              + "'",
          e);
    }
  }

  @Override
  public Path runDirectory() {
    return run.path();
  }

  /** The dataset config.json names: a built-in dataset's name or the training file. */
  public String dataset() {
    return run.manifest().dataset();
  }

  /** The run's label names, in the classifier's output order. */
  public LabelVocabulary labels() {
    return new LabelVocabulary(run.manifest().labels());
  }

  /** Class probabilities (one row per example, columns in {@link #labels()} order). */
  public float[][] probabilities(List<TextExample> examples) {
    List<TokenEncoding> encodings = new ArrayList<>(examples.size());
    examples.forEach(e -> encodings.add(tokenizer.encode(e))); // singles and pairs may mix
    int[] unlabelled = new int[examples.size()];
    Arrays.fill(unlabelled, TextExample.UNLABELED);
    EncodedTextDataset data = new EncodedTextDataset(encodings, unlabelled);
    return task(data).probabilities(data);
  }

  /** The most probable label and every label's probability, one per example. */
  public List<ClassPrediction> predict(List<TextExample> examples) {
    return ClassPrediction.of(probabilities(examples), labels());
  }

  /**
   * The confusion matrix of arg-max predictions on {@code data}.
   *
   * @throws IllegalArgumentException when its labels are not the run's or an example has none
   */
  public ConfusionMatrix evaluate(TextDataset data) {
    if (!data.labels().equals(labels())) {
      throw new IllegalArgumentException(
          data.source()
              + " has labels "
              + data.labels().names()
              + ", the run was trained on "
              + labels().names());
    }
    if (!data.isLabelled()) {
      throw new IllegalArgumentException(
          data.source() + " has unlabelled examples; evaluation needs a label for each");
    }
    EncodedTextDataset encoded = EncodedTextDataset.encode(data, tokenizer);
    return task(encoded).evaluate(encoded);
  }

  private SequenceClassificationTask task(EncodedTextDataset data) {
    return new SequenceClassificationTask(
        model, data, TrainedParameters.batchSize(run.manifest()), tokenizer.padId(), 0);
  }

  @Override
  public void close() {
    tokenizer.close();
    model.close();
  }
}
