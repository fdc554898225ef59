package io.dpft.data.datasets.builtin;

import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.datasets.text.TextColumns;
import io.dpft.data.datasets.text.TextDatasetReader;
import io.dpft.data.datasets.text.TextReadOptions;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code sentiment}: the UCI "Sentiment Labelled Sentences" data (Kotzias, Denil, de Freitas and
 * Smyth, 2015, "From Group to Individual Labels using Deep Features", KDD; CC BY 4.0): 1,000
 * sentences each from Amazon, IMDb and Yelp reviews, labelled 0 (negative) or 1 (positive), 500 of
 * each per source. Taken from the test fixtures of the npm package {@code sentiment@5.0.2}
 * ({@code test/fixtures/{amazon,imdb,yelp}.json}, JSON arrays of {@code {text, class}}); each
 * file's trailing empty record ({@code {"text":"","class":null}}) is skipped by the reader and
 * shows in the train part's skip report (3 rows). Split by {@link HashSplit}.
 */
public final class SentimentDataset {
  public static final String NAME = "sentiment";
  public static final NpmTarball PACKAGE =
      new NpmTarball(
          "sentiment@5.0.2",
          "sentiment-5.0.2.tgz",
          "89302eb03d2005d03b214fe65814bb48adb7d3c42c8ca80bdee6a3ecb7e4480f");
  public static final LabelVocabulary LABELS = LabelVocabulary.of("0", "1");
  static final List<String> SOURCES = List.of("amazon", "imdb", "yelp");

  private SentimentDataset() {}

  /** Fetches (first use) and reads the dataset from the default cache with npm from the PATH. */
  public static DatasetSplits<TextDataset> load() {
    return load(new NpmFetcher(), DatasetCache.datasetDir(NAME));
  }

  public static DatasetSplits<TextDataset> load(NpmFetcher fetcher, Path cacheDir) {
    Path tarball = fetcher.fetch(PACKAGE, cacheDir);
    TextReadOptions options =
        TextReadOptions.of(TextColumns.single("text", "class")).withLabels(LABELS).skippingBadRows();
    Map<String, TextDataset> bySource = new TreeMap<>();
    TgzEntries.forEach(
        tarball,
        (name, content) -> {
          for (String source : SOURCES) {
            if (name.equals("package/test/fixtures/" + source + ".json")) {
              Reader reader = new InputStreamReader(content, StandardCharsets.UTF_8);
              bySource.put(source, TextDatasetReader.json(tarball + "!/" + name, reader, options));
            }
          }
        });
    if (bySource.size() != SOURCES.size()) {
      throw new IllegalStateException(
          tarball + ": expected fixtures " + SOURCES + ", found " + bySource.keySet());
    }
    List<TextExample> examples = new ArrayList<>();
    SkipReport skipped = SkipReport.NONE;
    for (TextDataset part : bySource.values()) {
      examples.addAll(part.examples());
      skipped = skipped.plus(part.skipped());
    }
    return HashSplit.split(new TextDataset(NAME, examples, LABELS, skipped));
  }
}
