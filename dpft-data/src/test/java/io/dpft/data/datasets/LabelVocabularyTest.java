package io.dpft.data.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LabelVocabularyTest {
  @Test
  void inferred_integerLabels_sortedNumerically() {
    assertThat(LabelVocabulary.inferred(List.of("10", "2", "-1", "2")).names())
        .containsExactly("-1", "2", "10");
  }

  @Test
  void inferred_textLabels_sortedByCodeUnits() {
    assertThat(LabelVocabulary.inferred(List.of("pos", "neg", "Neutral")).names())
        .containsExactly("Neutral", "neg", "pos");
  }

  @Test
  void inferred_mixedLabels_sortedAsText() {
    assertThat(LabelVocabulary.inferred(List.of("2", "10", "x")).names())
        .containsExactly("10", "2", "x");
  }

  @Test
  void indexOf_unknown_isMinusOne() {
    LabelVocabulary labels = LabelVocabulary.of("a", "b");
    assertThat(labels.indexOf("b")).isEqualTo(1);
    assertThat(labels.indexOf("c")).isEqualTo(-1);
  }

  @Test
  void constructor_duplicateName_throws() {
    assertThatThrownBy(() -> LabelVocabulary.of("a", "b", "a"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a' at 0 and 2");
  }
}
