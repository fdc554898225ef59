package io.dpft.data.batching;

import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.tokenize.TextTokenizer;
import io.dpft.data.tokenize.TokenEncoding;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A text dataset after tokenization: one encoding and one label per example. */
public record EncodedTextDataset(List<TokenEncoding> encodings, int[] labels) {
  /** Examples per native tokenizer call in {@link #encode}. */
  private static final int ENCODE_CHUNK = 1024;

  public EncodedTextDataset {
    encodings = List.copyOf(encodings);
    labels = labels.clone();
    if (labels.length != encodings.size()) {
      throw new IllegalArgumentException(
          encodings.size() + " encodings but " + labels.length + " labels");
    }
  }

  /** Tokenizes every example of {@code dataset} (best with {@code Padding.NONE}). */
  public static EncodedTextDataset encode(TextDataset dataset, TextTokenizer tokenizer) {
    Objects.requireNonNull(tokenizer, "tokenizer");
    List<TextExample> examples = dataset.examples();
    List<TokenEncoding> encodings = new ArrayList<>(examples.size());
    for (int start = 0; start < examples.size(); start += ENCODE_CHUNK) {
      List<TextExample> chunk = examples.subList(start, Math.min(examples.size(), start + ENCODE_CHUNK));
      encodings.addAll(tokenizer.encodeExamples(chunk));
    }
    return new EncodedTextDataset(
        encodings, examples.stream().mapToInt(TextExample::label).toArray());
  }

  public int size() {
    return encodings.size();
  }

  @Override
  public int[] labels() {
    return labels.clone();
  }

  int label(int index) {
    return labels[index];
  }
}
