package io.dpft.data.datasets.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MeaningRepresentationTest {
  /** First meaning representation of the E2E training set. */
  private static final String VAULTS =
      "name[The Vaults], eatType[pub], priceRange[more than £30], customer rating[5 out of 5], near[Café Adriatic]";

  @Test
  void parse_e2eMr_givesSlotsInOrder() {
    MeaningRepresentation mr = MeaningRepresentation.parse(VAULTS);
    assertThat(mr.slots())
        .containsExactly(
            new MeaningRepresentation.Slot("name", "The Vaults"),
            new MeaningRepresentation.Slot("eatType", "pub"),
            new MeaningRepresentation.Slot("priceRange", "more than £30"),
            new MeaningRepresentation.Slot("customer rating", "5 out of 5"),
            new MeaningRepresentation.Slot("near", "Café Adriatic"));
  }

  @Test
  void linearised_usesPrefixTuningKeyNames() {
    assertThat(MeaningRepresentation.parse(VAULTS).linearised())
        .isEqualTo(
            "name : The Vaults | Type : pub | price : more than £30 | customer rating : 5 out of 5"
                + " | near : Café Adriatic");
    assertThat(MeaningRepresentation.parse("familyFriendly[yes], area[riverside]").linearised())
        .isEqualTo("family friendly : yes | area : riverside");
  }

  @Test
  void parse_unclosedBracket_namesPosition() {
    assertThatThrownBy(() -> MeaningRepresentation.parse("name[A], food[Thai"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unclosed '[' at character 14");
  }

  @Test
  void parse_missingComma_namesPosition() {
    assertThatThrownBy(() -> MeaningRepresentation.parse("name[A] food[Thai]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected ',' between slots at character 9");
  }

  @Test
  void parse_noSlot_throws() {
    assertThatThrownBy(() -> MeaningRepresentation.parse("just text"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected key[value] at character 1");
  }
}
