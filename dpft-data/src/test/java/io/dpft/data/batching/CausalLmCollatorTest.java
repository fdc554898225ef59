package io.dpft.data.batching;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CausalLmCollatorTest {
  private static final long PAD = 50256;
  private static final long I = CausalLmBatch.IGNORE;

  @Test
  void collate_labelsOnlyOnTargetTokens() {
    List<CausalLmExample> examples =
        List.of(
            new CausalLmExample(new long[] {1, 2, 3}, new long[] {4, 5}),
            new CausalLmExample(new long[] {6}, new long[] {7}));
    List<CausalLmBatch> batches = new CausalLmCollator(examples, 8, 16, PAD, 0).collate(new int[] {0, 1});
    assertThat(batches).hasSize(1);
    CausalLmBatch batch = batches.get(0);
    assertThat(batch.seqLength()).isEqualTo(5);
    // shorter example first (length bucketing)
    assertThat(batch.indices()).containsExactly(1, 0);
    assertThat(batch.inputIds()).containsExactly(6, 7, PAD, PAD, PAD, 1, 2, 3, 4, 5);
    assertThat(batch.attentionMask()).containsExactly(1, 1, 0, 0, 0, 1, 1, 1, 1, 1);
    assertThat(batch.labels()).containsExactly(I, 7, I, I, I, I, I, I, 4, 5);
  }

  @Test
  void collate_tooLong_cutAtMaxLength() {
    List<CausalLmExample> examples =
        List.of(new CausalLmExample(new long[] {1, 2, 3}, new long[] {4, 5, 6}));
    CausalLmBatch batch = new CausalLmCollator(examples, 1, 4, PAD, 0).collate(new int[] {0}).get(0);
    assertThat(batch.inputIds()).containsExactly(1, 2, 3, 4);
    assertThat(batch.labels()).containsExactly(I, I, I, 4);
  }

  @Test
  void collate_splitsIntoPhysicalBatches_andEmptyGivesNone() {
    List<CausalLmExample> examples =
        java.util.stream.IntStream.range(0, 5)
            .mapToObj(i -> new CausalLmExample(new long[] {i}, new long[] {i, i}))
            .toList();
    CausalLmCollator collator = new CausalLmCollator(examples, 2, 8, PAD, 0);
    assertThat(collator.collate(new int[] {0, 1, 2, 3, 4})).extracting(CausalLmBatch::batchSize)
        .containsExactly(2, 2, 1);
    assertThat(collator.collate(new int[0])).isEmpty();
  }
}
