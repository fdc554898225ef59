package io.dpft.core.bench;

import io.dpft.core.models.BertConfig;
import io.dpft.data.batching.EncodedTextDataset;
import io.dpft.data.tokenize.TokenEncoding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A dataset of exactly one batch: {@code batchSize} sequences of {@code seqLength} token ids drawn
 * uniformly from the vocabulary without the padding id, all unmasked, segment 0, and labels drawn
 * uniformly from {0, 1}. Throughput and memory depend on shapes only, not on the text.
 */
final class SyntheticBatch {
  static final int LABELS = 2;

  private SyntheticBatch() {}

  static EncodedTextDataset of(BertConfig model, int batchSize, int seqLength, long seed) {
    if (seqLength > model.maxSequenceLength()) {
      throw new IllegalArgumentException("seqLength must be <= " + model.maxSequenceLength()
          + " (the model's max_position_embeddings), got " + seqLength);
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<TokenEncoding> encodings = new ArrayList<>(batchSize);
    int[] labels = new int[batchSize];
    long[] ones = new long[seqLength];
    Arrays.fill(ones, 1L);
    for (int i = 0; i < batchSize; i++) {
      long[] ids = new long[seqLength];
      for (int t = 0; t < seqLength; t++) {
        long id = random.nextInt(model.vocabSize() - 1);
        ids[t] = id >= model.padTokenId() ? id + 1 : id; // every id but the padding one
      }
      encodings.add(new TokenEncoding(ids, ones.clone(), new long[seqLength]));
      labels[i] = random.nextInt(LABELS);
    }
    return new EncodedTextDataset(encodings, labels);
  }
}
