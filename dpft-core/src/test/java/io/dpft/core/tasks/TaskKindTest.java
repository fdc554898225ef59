package io.dpft.core.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TaskKindTest {

  @Test
  void parse_acceptsEachCliNameInAnyCase() {
    for (TaskKind kind : TaskKind.values()) {
      assertThat(TaskKind.parse(kind.cliName().toUpperCase())).isEqualTo(kind);
    }
    assertThat(TaskKind.parse(" causal-lm ")).isEqualTo(TaskKind.CAUSAL_LM);
  }

  @Test
  void parse_unknownName_listsTheTasks() {
    assertThatThrownBy(() -> TaskKind.parse("ner"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("text-classification, causal-lm, image-classification")
        .hasMessageContaining("'ner'");
  }
}
