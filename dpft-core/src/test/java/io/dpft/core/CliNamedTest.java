package io.dpft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CliNamedTest {
  private enum Colour implements CliNamed {
    LIGHT_BLUE("light-blue"),
    RED("red");

    private final String cliName;

    Colour(String cliName) {
      this.cliName = cliName;
    }

    @Override
    public String cliName() {
      return cliName;
    }
  }

  @Test
  void parse_byCliName_ignoringCaseAndSurroundingBlanks() {
    assertThat(CliNamed.parse(Colour.class, "colour", "light-blue")).isEqualTo(Colour.LIGHT_BLUE);
    assertThat(CliNamed.parse(Colour.class, "colour", "  RED ")).isEqualTo(Colour.RED);
  }

  @Test
  void parse_unknownOrConstantName_namesEveryCliName() {
    for (String bad : new String[] {"LIGHT_BLUE", "blue", ""}) {
      assertThatThrownBy(() -> CliNamed.parse(Colour.class, "colour", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("colour must be one of light-blue, red, got '" + bad + "'");
    }
  }
}
