package io.dpft.data.datasets.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Buckets computed independently with Python: {@code int.from_bytes(hashlib.sha256(t.encode())
 * .digest()[:8], "big") % 10}.
 */
class HashSplitTest {
  @Test
  void of_matchesPythonBuckets() {
    assertThat(HashSplit.of("a")).isEqualTo(HashSplit.Part.TRAIN); // bucket 0
    assertThat(HashSplit.of("hello")).isEqualTo(HashSplit.Part.TRAIN); // bucket 2
    assertThat(HashSplit.of("x16")).isEqualTo(HashSplit.Part.VALIDATION); // bucket 8
    assertThat(HashSplit.of("d")).isEqualTo(HashSplit.Part.TEST); // bucket 9
    // 0xaaa9402664f1a41f has the top bit set: unsigned arithmetic gives bucket 7, not 9
    assertThat(HashSplit.of("h")).isEqualTo(HashSplit.Part.TRAIN);
    assertThat(HashSplit.of("g")).isEqualTo(HashSplit.Part.TEST); // 0xcd0a..., bucket 9
  }

  @Test
  void split_keepsEveryExampleOnceWithVocabulary() {
    List<TextExample> examples =
        List.of(
            TextExample.single("a", 0),
            TextExample.single("x16", 1),
            TextExample.single("d", 0),
            TextExample.single("a", 1));
    TextDataset all = new TextDataset("t", examples, LabelVocabulary.of("0", "1"), SkipReport.NONE);
    DatasetSplits<TextDataset> splits = HashSplit.split(all);
    assertThat(splits.train().examples())
        .containsExactly(TextExample.single("a", 0), TextExample.single("a", 1));
    assertThat(splits.validation().examples()).containsExactly(TextExample.single("x16", 1));
    assertThat(splits.test().examples()).containsExactly(TextExample.single("d", 0));
    assertThat(splits.test().labels()).isEqualTo(all.labels());
  }

  @Test
  void parts_byKey_keepsEqualKeysTogetherInOrder() {
    // key = text before '#': buckets of "a" (0), "x16" (8), "d" (9) as in of_matchesPythonBuckets
    List<String> items = List.of("a#1", "x16#1", "d#1", "a#2", "x16#2");
    Map<HashSplit.Part, List<String>> parts =
        HashSplit.parts(items, s -> s.substring(0, s.indexOf('#')));
    assertThat(parts.get(HashSplit.Part.TRAIN)).containsExactly("a#1", "a#2");
    assertThat(parts.get(HashSplit.Part.VALIDATION)).containsExactly("x16#1", "x16#2");
    assertThat(parts.get(HashSplit.Part.TEST)).containsExactly("d#1");
  }
}
