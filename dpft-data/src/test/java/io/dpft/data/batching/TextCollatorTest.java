package io.dpft.data.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.data.tokenize.TokenEncoding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TextCollatorTest {
  private static final long PAD = 0;

  /** Example i: length 2 + (i*7 mod 13), ids 1000*i + position, type ids 1 after the middle. */
  private static EncodedTextDataset dataset(int n) {
    List<TokenEncoding> encodings = new ArrayList<>();
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      int length = 2 + (i * 7) % 13;
      long[] ids = new long[length];
      long[] mask = new long[length];
      long[] types = new long[length];
      for (int t = 0; t < length; t++) {
        ids[t] = 1000L * i + t + 1;
        mask[t] = 1;
        types[t] = t >= length / 2 ? 1 : 0;
      }
      encodings.add(new TokenEncoding(ids, mask, types));
      labels[i] = i % 3;
    }
    return new EncodedTextDataset(encodings, labels);
  }

  private static int[] poissonLikeBatch(int n, long seed) {
    Random random = new Random(seed);
    return java.util.stream.IntStream.range(0, n).filter(i -> random.nextDouble() < 0.4).toArray();
  }

  @Test
  void collate_invariantsHold() {
    EncodedTextDataset data = dataset(60);
    int max = 4;
    int[] logical = poissonLikeBatch(60, 3);
    List<TextBatch> batches = new TextCollator(data, max, PAD, 11).collate(logical);

    List<Integer> seen = new ArrayList<>();
    int previousMax = 0;
    for (TextBatch batch : batches) {
      assertThat(batch.batchSize()).isBetween(1, max);
      int longest = 0;
      for (int r = 0; r < batch.batchSize(); r++) {
        int index = batch.indices()[r];
        seen.add(index);
        TokenEncoding source = data.encodings().get(index);
        int n = source.length();
        longest = Math.max(longest, n);
        int t = batch.seqLength();
        long[] ids = Arrays.copyOfRange(batch.inputIds(), r * t, (r + 1) * t);
        long[] mask = Arrays.copyOfRange(batch.attentionMask(), r * t, (r + 1) * t);
        long[] types = Arrays.copyOfRange(batch.tokenTypeIds(), r * t, (r + 1) * t);
        assertThat(Arrays.copyOf(ids, n)).containsExactly(source.ids());
        assertThat(Arrays.copyOf(types, n)).containsExactly(source.typeIds());
        for (int p = 0; p < t; p++) {
          assertThat(mask[p]).as("mask 1 exactly on real tokens").isEqualTo(p < n ? 1 : 0);
          if (p >= n) {
            assertThat(ids[p]).as("padding only at the end").isEqualTo(PAD);
            assertThat(types[p]).isZero();
          }
        }
        assertThat(batch.labels()[r]).isEqualTo(index % 3);
      }
      assertThat(batch.seqLength()).as("padded to own longest").isEqualTo(longest);
      assertThat(longest).as("batches in increasing length").isGreaterThanOrEqualTo(previousMax);
      previousMax = longest;
    }
    assertThat(seen).as("every index exactly once").containsExactlyInAnyOrder(
        Arrays.stream(logical).boxed().toArray(Integer[]::new));
    assertThat(batches).hasSize((logical.length + max - 1) / max);
  }

  @Test
  void collate_sameSeed_sameBatches_otherSeed_sameSet() {
    EncodedTextDataset data = dataset(40);
    int[] logical = poissonLikeBatch(40, 5);
    List<TextBatch> a = new TextCollator(data, 3, PAD, 42).collate(logical);
    List<TextBatch> b = new TextCollator(data, 3, PAD, 42).collate(logical.clone());
    assertThat(a).hasSameSizeAs(b);
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i).indices()).containsExactly(b.get(i).indices());
      assertThat(a.get(i).inputIds()).containsExactly(b.get(i).inputIds());
    }
  }

  @Test
  void collate_lengthBucketing_padsLessThanOneBatch() {
    EncodedTextDataset data = dataset(30);
    int[] all = java.util.stream.IntStream.range(0, 30).toArray();
    long padded = new TextCollator(data, 5, PAD, 0).collate(all).stream()
        .mapToLong(b -> (long) b.batchSize() * b.seqLength()).sum();
    int longest = data.encodings().stream().mapToInt(TokenEncoding::length).max().orElseThrow();
    assertThat(padded).isLessThan(30L * longest);
  }

  @Test
  void collate_emptyLogicalBatch_givesNoBatches() {
    assertThat(new TextCollator(dataset(5), 2, PAD, 0).collate(new int[0])).isEmpty();
  }

  @Test
  void collate_indexOutOfRange_throws() {
    TextCollator collator = new TextCollator(dataset(5), 2, PAD, 0);
    assertThatThrownBy(() -> collator.collate(new int[] {1, 5}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("index 5 is outside the dataset 0..4");
  }

  @Test
  void constructor_maxPhysicalBatchSizeZero_throws() {
    assertThatThrownBy(() -> new TextCollator(dataset(1), 0, PAD, 0))
        .hasMessageContaining("maxPhysicalBatchSize must be >= 1, got 0");
  }
}
