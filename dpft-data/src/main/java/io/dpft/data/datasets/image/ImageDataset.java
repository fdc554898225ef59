package io.dpft.data.datasets.image;

import io.dpft.data.datasets.ImageExample;
import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.SkipReport;
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
