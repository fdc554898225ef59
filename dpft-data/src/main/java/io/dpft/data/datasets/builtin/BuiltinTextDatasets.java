package io.dpft.data.datasets.builtin;

import io.dpft.data.datasets.TextDataset;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/** The bundled text-classification datasets by name: the one place names become loaders. */
public final class BuiltinTextDatasets {
  private static final Map<String, Supplier<DatasetSplits<TextDataset>>> LOADERS =
      Map.of(
          SentimentDataset.NAME, SentimentDataset::load,
          SpamAssassinDataset.NAME, SpamAssassinDataset::load);

  private BuiltinTextDatasets() {}

  /** The known names, sorted. */
  public static Set<String> names() {
    return new TreeSet<>(LOADERS.keySet());
  }

  public static boolean contains(String name) {
    return LOADERS.containsKey(name.toLowerCase(Locale.ROOT));
  }

  /** The fixed train/validation/test splits of {@code name} (fetched on first use). */
  public static DatasetSplits<TextDataset> load(String name) {
    Supplier<DatasetSplits<TextDataset>> loader = LOADERS.get(name.toLowerCase(Locale.ROOT));
    if (loader == null) {
      throw new IllegalArgumentException(
          "dataset must be one of " + String.join(", ", names()) + ", got '" + name + "'");
    }
    return loader.get();
  }
}
