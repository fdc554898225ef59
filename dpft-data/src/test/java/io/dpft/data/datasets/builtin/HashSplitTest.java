package io.dpft.data.datasets.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.TableToTextExample;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.datasets.table.TableToTextDataset;
import java.util.List;
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
  void split_tableToText_byMeaningRepresentation() {
    TableToTextDataset all =
        new TableToTextDataset(
            "e2e.csv",
            List.of(
                new TableToTextExample("d", "p d", List.of("r1", "r2")),
                new TableToTextExample("a", "p a", List.of("r3")),
                new TableToTextExample("x16", "p x16", List.of("r4"))),
            SkipReport.NONE);
    DatasetSplits<TableToTextDataset> splits = HashSplit.split(all);
    assertThat(splits.train().examples()).extracting(TableToTextExample::meaningRepresentation)
        .containsExactly("a");
    assertThat(splits.validation().examples())
        .extracting(TableToTextExample::meaningRepresentation).containsExactly("x16");
    assertThat(splits.test().examples()).singleElement()
        .satisfies(e -> assertThat(e.references()).containsExactly("r1", "r2"));
    assertThat(splits.test().source()).isEqualTo("e2e.csv [test]");
  }
}
