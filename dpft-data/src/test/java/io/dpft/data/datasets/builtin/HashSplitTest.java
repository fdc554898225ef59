package io.dpft.data.datasets.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.TableToTextExample;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.datasets.table.TableToTextDataset;
import io.dpft.data.datasets.image.ImageDataset;
import io.dpft.data.datasets.image.ImageTransform;
import io.dpft.data.datasets.image.RawImage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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

  /** A 1-pixel-high gray image whose pixel bytes are {@code content}'s UTF-8 bytes. */
  private static RawImage image(String content) {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    return new RawImage(bytes, 1, 1, bytes.length);
  }

  private static ImageDataset images(String source, LabelVocabulary labels, int[] gold,
      String... contents) {
    return new ImageDataset(source, Arrays.stream(contents).map(HashSplitTest::image).toList(),
        gold, labels, SkipReport.NONE, ImageTransform.scaleOnly(1, 1));
  }

  @Test
  void splitImages_noPartsGiven_carvesByPixelBytesLikeText() {
    ImageDataset all = images("imgs", LabelVocabulary.of("0", "1"), new int[] {0, 1, 0, 1},
        "a", "x16", "d", "hello");
    DatasetSplits<ImageDataset> splits = HashSplit.split(all, null);
    assertThat(splits.train().size()).isEqualTo(2);
    assertThat(new String(splits.train().raw(1).pixels(), StandardCharsets.UTF_8))
        .isEqualTo("hello");
    assertThat(new String(splits.validation().raw(0).pixels(), StandardCharsets.UTF_8))
        .isEqualTo("x16");
    assertThat(splits.validation().label(0)).isEqualTo(1);
    assertThat(new String(splits.test().raw(0).pixels(), StandardCharsets.UTF_8)).isEqualTo("d");
    assertThat(splits.test().source()).isEqualTo("imgs [test]");
  }

  @Test
  void splitImages_testGiven_keepsItsBucketInTrainAndRelabelsByName() {
    LabelVocabulary labels = LabelVocabulary.of("cat", "dog");
    ImageDataset train = images("train", labels, new int[] {0, 1, 0}, "a", "x16", "d");
    ImageDataset test = images("test", LabelVocabulary.of("dog"), new int[] {0}, "zz");
    DatasetSplits<ImageDataset> splits = HashSplit.split(train, test);
    assertThat(splits.train().size()).isEqualTo(2); // "a" and "d"; "x16" carved for validation
    assertThat(splits.validation().size()).isEqualTo(1);
    assertThat(splits.test().labels()).isEqualTo(labels);
    assertThat(splits.test().label(0)).isEqualTo(1);
  }

  @Test
  void splitImages_testWithUnknownLabel_throwsNamingIt() {
    ImageDataset train = images("train", LabelVocabulary.of("cat", "dog"), new int[] {0, 1},
        "a", "x16");
    ImageDataset test = images("t", LabelVocabulary.of("bird"), new int[] {0}, "zz");
    assertThatThrownBy(() -> HashSplit.split(train, test))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("t has labels [bird]");
  }

  @Test
  void splitImages_carvedPartEmpty_throwsSayingWhatToGive() {
    ImageDataset train = images("train", LabelVocabulary.of("0"), new int[] {0, 0}, "a", "d");
    assertThatThrownBy(() -> HashSplit.split(train, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("validation part carved out of train")
        .hasMessageContaining("is empty");
  }
}
