package io.dpft.core.tasks;

import static io.dpft.core.nn.TestTensors.longValues;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.io.SafetensorsReader;
import io.dpft.core.models.Gpt2Model;
import io.dpft.core.models.PretrainedGpt2;
import io.dpft.data.datasets.table.E2eReader;
import io.dpft.data.metrics.RougeL;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Completions of the tiny GPT-2 against the token ids PyTorch generated for it
 * ({@code reference.safetensors}, see tools/reference/README.md): prompts are "texts" of
 * comma-separated ids, completions are the new ids up to the first EOS (99).
 */
class TextGenerationTest {
  private static final Function<String, long[]> IDS =
      text -> Arrays.stream(text.split(",")).mapToLong(Long::parseLong).toArray();
  private static final Function<long[], String> TEXT =
      ids -> Arrays.stream(ids).mapToObj(Long::toString).collect(Collectors.joining(","));

  private static long[][] reference(String name) throws IOException, URISyntaxException {
    Path file = Path.of(TextGenerationTest.class
        .getResource("/reference/gpt2-tiny/reference.safetensors").toURI());
    try (PointerScope scope = new PointerScope();
        SafetensorsReader reader = SafetensorsReader.open(file)) {
      long[] flat = longValues(reader.read(name));
      int width = (int) reader.entry(name).shape()[1];
      long[][] rows = new long[flat.length / width][];
      for (int r = 0; r < rows.length; r++) {
        rows[r] = Arrays.copyOfRange(flat, r * width, (r + 1) * width);
      }
      return rows;
    }
  }

  /** Row {@code r} from {@code from} on, up to the first EOS. */
  private static String newTokens(long[] row, int from) {
    int end = from;
    while (end < row.length && row[end] != TinyE2e.EOS) {
      end++;
    }
    return TEXT.apply(Arrays.copyOfRange(row, from, end));
  }

  private static long[] unpadded(long[] prompt, long[] mask) {
    int pads = (int) Arrays.stream(mask).filter(m -> m == 0).count();
    return Arrays.copyOfRange(prompt, pads, prompt.length);
  }

  @Test
  void complete_greedyPromptsOfTwoLengths_matchPyTorch(@TempDir Path dir) throws Exception {
    long[][] prompts = reference("greedy_batch_prompt");
    long[][] masks = reference("greedy_batch_attention_mask");
    long[][] expected = reference("greedy_batch_ids");
    List<String> texts = new ArrayList<>();
    List<String> wanted = new ArrayList<>();
    for (int r = 0; r < prompts.length; r++) {
      texts.add(TEXT.apply(unpadded(prompts[r], masks[r])));
      wanted.add(newTokens(expected[r], prompts[r].length));
    }
    try (PointerScope scope = new PointerScope();
        Gpt2Model model = PretrainedGpt2.load(TinyE2e.modelDirectory(dir))) {
      TextGeneration generation =
          new TextGeneration(model, IDS, TEXT, TextGeneration.Settings.greedy(8, 2));
      assertThat(generation.complete(texts)).containsExactlyElementsOf(wanted);
      assertThat(model.isTraining()).isTrue(); // the mode it had before
    }
  }

  @Test
  void complete_threeBeams_keepsPyTorchsBestBeam(@TempDir Path dir) throws Exception {
    long[] prompt = reference("beam_prompt")[0];
    long[] best = reference("beam_ids")[0];
    try (PointerScope scope = new PointerScope();
        Gpt2Model model = PretrainedGpt2.load(TinyE2e.modelDirectory(dir))) {
      TextGeneration generation =
          new TextGeneration(model, IDS, TEXT, new TextGeneration.Settings(8, 3, 4));
      assertThat(generation.complete(List.of(TEXT.apply(prompt))))
          .containsExactly(newTokens(best, prompt.length));
    }
  }

  @Test
  void complete_promptNearTheContextEnd_generatesOnlyWhatFits(@TempDir Path dir)
      throws Exception {
    long[] prompt = new long[60]; // n_positions 64: room for 4 tokens
    Arrays.fill(prompt, 7);
    try (PointerScope scope = new PointerScope();
        Gpt2Model model = PretrainedGpt2.load(TinyE2e.modelDirectory(dir))) {
      List<Integer> lengths = new ArrayList<>();
      TextGeneration generation = new TextGeneration(model, IDS,
          ids -> { lengths.add(ids.length); return ""; }, TextGeneration.Settings.greedy(20, 1));
      generation.complete(List.of(TEXT.apply(prompt)));
      assertThat(lengths).singleElement().satisfies(n -> assertThat(n).isBetween(0, 4));
      long[] full = new long[64];
      assertThatThrownBy(() -> generation.complete(List.of(TEXT.apply(full))))
          .hasMessageContaining("n_positions is 64");
    }
  }

  @Test
  void score_pooledReferences_oneHypothesisPerDistinctPrompt(@TempDir Path dir)
      throws Exception {
    List<TinyE2e.Row> rows = TinyE2e.rows(6, 0);
    Map<String, List<String>> byMr = TinyE2e.referencesByMr(rows);
    try (PointerScope scope = new PointerScope();
        Gpt2Model model = PretrainedGpt2.load(TinyE2e.modelDirectory(dir))) {
      // the "model" under test is bypassed: a decoder that answers with a fixed text
      TextGeneration generation = new TextGeneration(model, text -> new long[] {1},
          ids -> "The Alimentum serves Italian food in the riverside .",
          TextGeneration.Settings.greedy(1, 8));
      TextGeneration.Scores scores = generation.score(
          E2eReader.read(TinyE2e.csv(dir.resolve("d.csv"), rows),
              false));
      assertThat(scores.hypotheses()).hasSize(byMr.size());
      assertThat(scores.rougeL()).isEqualTo(
          RougeL.corpus(scores.hypotheses(), List.copyOf(byMr.values()),
              RougeL.E2E_BETA));
    }
  }
}
