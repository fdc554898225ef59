package io.dpft.data.datasets.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.data.datasets.MalformedRowException;
import io.dpft.data.datasets.TableToTextExample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class E2eReaderTest {
  @TempDir Path dir;

  private Path write(String content) throws IOException {
    Path file = dir.resolve("devset.csv");
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void read_groupsReferencesPerMeaningRepresentation() throws IOException {
    Path file =
        write(
            "mr,ref\n"
                + "\"name[Alimentum], area[city centre]\",Alimentum is in the city centre.\n"
                + "\"name[Alimentum], area[city centre]\",\"In the city centre, there is Alimentum.\"\n"
                + "\"name[Aromi], eatType[coffee shop]\",Aromi is a coffee shop.\n"
                + "\"name[Alimentum], area[city centre]\",Alimentum: city centre.\n");
    TableToTextDataset data = E2eReader.read(file, false);
    assertThat(data.size()).isEqualTo(2);
    assertThat(data.referenceCount()).isEqualTo(4);
    assertThat(data.examples().get(0))
        .isEqualTo(
            new TableToTextExample(
                "name[Alimentum], area[city centre]",
                "name : Alimentum | area : city centre",
                List.of(
                    "Alimentum is in the city centre.",
                    "In the city centre, there is Alimentum.",
                    "Alimentum: city centre.")));
    assertThat(data.examples().get(1).prompt()).isEqualTo("name : Aromi | Type : coffee shop");
    assertThat(data.trainingPairs())
        .hasSize(4)
        .first()
        .isEqualTo(
            new TableToTextDataset.PromptTarget(
                "name : Alimentum | area : city centre", "Alimentum is in the city centre."));
  }

  @Test
  void read_malformedMr_throwsWithLineAndColumn_orSkips() throws IOException {
    Path file = write("mr,ref\n\"name[A]\",A.\nname[B,B.\n");
    assertThatThrownBy(() -> E2eReader.read(file, false))
        .isInstanceOfSatisfying(
            MalformedRowException.class,
            e -> {
              assertThat(e.line()).isEqualTo(3);
              assertThat(e.column()).isEqualTo(1);
            })
        .hasMessageContaining("malformed meaning representation");
    TableToTextDataset skipped = E2eReader.read(file, true);
    assertThat(skipped.size()).isEqualTo(1);
    assertThat(skipped.skipped().skipped()).isEqualTo(1);
  }

  @Test
  void read_missingRefColumn_throws() throws IOException {
    Path file = write("MR\n\"name[A]\"\n");
    assertThatThrownBy(() -> E2eReader.read(file, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no 'mr' column in the header [MR]");
  }

  @Test
  void read_invalidUtf8_throwsNamingFileAndLine_evenWhenSkipping() throws IOException {
    Path file = dir.resolve("trainset.csv");
    String content = "mr,ref\n\"name[Aromi]\",Aromi.\n\"name[Caf\u00e9]\",Caf\u00e9.\n";
    Files.writeString(file, content, StandardCharsets.ISO_8859_1); // one byte per character
    for (boolean skipBadRows : new boolean[] {false, true}) {
      assertThatThrownBy(() -> E2eReader.read(file, skipBadRows))
          .isExactlyInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(file + ", line 3 (byte offset " + content.indexOf('\u00e9')
              + "): byte 0xE9 is not valid UTF-8");
    }
  }
}
