package io.dpft.data.datasets.image;

import io.dpft.data.datasets.ImageExample;
import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.SkipReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Labelled images kept as 8-bit {@link RawImage}s; {@link #get} applies the dataset's {@link
 * ImageTransform} to give a model-ready {@link ImageExample}. {@link #withTransform} re-targets the
 * same images to another model without copying them.
 */
public final class ImageDataset {
  private final String source;
  private final List<RawImage> images;
  private final int[] labels;
  private final LabelVocabulary vocabulary;
  private final SkipReport skipped;
  private final ImageTransform transform;

  public ImageDataset(
      String source,
      List<RawImage> images,
      int[] labels,
      LabelVocabulary vocabulary,
      SkipReport skipped,
      ImageTransform transform) {
    this.source = Objects.requireNonNull(source, "source");
    this.images = List.copyOf(images);
    this.labels = labels.clone();
    this.vocabulary = Objects.requireNonNull(vocabulary, "vocabulary");
    this.skipped = Objects.requireNonNull(skipped, "skipped");
    this.transform = Objects.requireNonNull(transform, "transform");
    if (this.labels.length != this.images.size()) {
      throw new IllegalArgumentException(
          source + ": " + this.images.size() + " images but " + this.labels.length + " labels");
    }
    for (int label : this.labels) {
      if (label < 0 || label >= vocabulary.size()) {
        throw new IllegalArgumentException(
            source + ": label " + label + " outside 0.." + (vocabulary.size() - 1));
      }
    }
  }

  public ImageDataset withTransform(ImageTransform newTransform) {
    return new ImageDataset(source, images, labels, vocabulary, skipped, newTransform);
  }

  /**
   * The same images with their labels re-indexed into {@code target} by name, so that a validation
   * or test set whose files name fewer classes (or list them in another order) lines up with the
   * training set's classifier outputs.
   *
   * @throws IllegalArgumentException naming the labels of this dataset that {@code target} lacks
   */
  public ImageDataset withLabelNames(LabelVocabulary target) {
    if (target.equals(vocabulary)) {
      return this;
    }
    int[] byIndex = new int[vocabulary.size()];
    List<String> unknown = new ArrayList<>();
    for (int k = 0; k < byIndex.length; k++) {
      byIndex[k] = target.indexOf(vocabulary.name(k));
    }
    int[] relabelled = new int[labels.length];
    for (int i = 0; i < labels.length; i++) {
      relabelled[i] = byIndex[labels[i]];
      String name = vocabulary.name(labels[i]);
      if (relabelled[i] < 0 && !unknown.contains(name)) {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(source + " has labels " + unknown + " that the training"
          + " data does not have (its labels: " + target.names() + ")");
    }
    return new ImageDataset(source, images, relabelled, target, skipped, transform);
  }

  /** The model-ready example {@code index}: pixels float[C*H*W] after the transform. */
  public ImageExample get(int index) {
    return new ImageExample(transform.apply(images.get(index)), labels[index]);
  }

  public RawImage raw(int index) {
    return images.get(index);
  }

  public int label(int index) {
    return labels[index];
  }

  public int size() {
    return images.size();
  }

  public String source() {
    return source;
  }

  public LabelVocabulary labels() {
    return vocabulary;
  }

  public SkipReport skipped() {
    return skipped;
  }

  public ImageTransform transform() {
    return transform;
  }

  /** counts[k] = number of images with label k. */
  public long[] labelCounts() {
    long[] counts = new long[vocabulary.size()];
    for (int label : labels) {
      counts[label]++;
    }
    return counts;
  }
}
