package io.dpft.core.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import io.dpft.privacy.audit.CanaryInclusion;
import io.dpft.privacy.random.StreamKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TextCanariesTest {
  private static final int N = 200;
  private static final StreamKey KEY = StreamKey.fromSeed("test", 4);

  /** Example i is "text i", label i mod 3. */
  private static TextDataset train() {
    List<TextExample> examples = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      examples.add(TextExample.single("text " + i, i % 3));
    }
    return new TextDataset("train.csv", examples, LabelVocabulary.of("a", "b", "c"),
        new SkipReport(0, List.of()));
  }

  private static int original(TextExample example) {
    return Integer.parseInt(example.text().substring(5)) % 3;
  }

  @Test
  void canaries_areDistinctTrainingExamplesWithAnotherLabel() {
    TextCanaries canaries = TextCanaries.draw(train(), 50, KEY);
    List<TextExample> drawn = canaries.canarySet().examples();
    assertThat(drawn).hasSize(50);
    assertThat(drawn.stream().map(TextExample::text).distinct()).hasSize(50);
    int[] labelCounts = new int[3];
    for (TextExample canary : drawn) {
      assertThat(canary.label()).isNotEqualTo(original(canary));
      labelCounts[canary.label()]++;
    }
    assertThat(labelCounts).doesNotContain(0); // every label is some canary's label
  }

  @Test
  void trainingSet_isTheOtherExamplesPlusTheIncludedCanariesOnly() {
    TextCanaries canaries = TextCanaries.draw(train(), 50, KEY);
    CanaryInclusion inclusion = CanaryInclusion.draw(50, KEY);
    TextDataset training = canaries.trainingSet(inclusion);
    int included = inclusion.includedIndices().length;
    assertThat(training.size()).isEqualTo(N - 50 + included);

    Map<String, Integer> labelOf = new HashMap<>();
    training.examples().forEach(e -> labelOf.merge(e.text(), e.label(), (a, b) -> -1));
    assertThat(labelOf).hasSize(training.size()).doesNotContainValue(-1); // each text once
    List<TextExample> all = canaries.canarySet().examples();
    Set<String> canaryTexts = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      TextExample canary = all.get(i);
      canaryTexts.add(canary.text());
      if (inclusion.isIncluded(i)) {
        assertThat(labelOf).containsEntry(canary.text(), canary.label());
      } else {
        assertThat(labelOf).doesNotContainKey(canary.text());
      }
    }
    training.examples().stream()
        .filter(e -> !canaryTexts.contains(e.text()))
        .forEach(e -> assertThat(e.label()).isEqualTo(original(e)));
  }

  @Test
  void sameKey_sameCanaries() {
    assertThat(TextCanaries.draw(train(), 30, KEY).canarySet().examples())
        .isEqualTo(TextCanaries.draw(train(), 30, KEY).canarySet().examples())
        .isNotEqualTo(
            TextCanaries.draw(train(), 30, StreamKey.fromSeed("test", 5)).canarySet().examples());
  }

  @Test
  void asManyCanariesAsExamples_isRefusedNamingTheCount() {
    assertThatThrownBy(() -> TextCanaries.draw(train(), N, KEY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("canaries must be in [1, N) for the N = 200 training examples");
  }
}
