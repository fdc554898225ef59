package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The README's ```java blocks, checked against the tests that compile and run them. */
final class ReadmeBlocks {
  static final Path README = Path.of("..", "README.md");

  private ReadmeBlocks() {}

  /** Fails unless every line of the README's {@code index}-th java block is in {@code source}, in order. */
  static void assertBlockIsIn(int index, Path source) throws IOException {
    List<String> block = javaBlock(Files.readString(README), index);
    List<String> code = stripped(Files.readAllLines(source));

    assertThat(block).as("the README's ```java block %d", index).hasSizeGreaterThan(10);
    int from = 0;
    for (String line : block) {
      int at = code.subList(from, code.size()).indexOf(line);
      assertThat(at).as("README line '%s' in %s, in order", line, source).isNotNegative();
      from += at + 1;
    }
  }

  /** The lines of the README's {@code index}-th ```java block, stripped, without blanks. */
  private static List<String> javaBlock(String readme, int index) {
    Matcher block = Pattern.compile("```java\\R(.*?)```", Pattern.DOTALL).matcher(readme);
    for (int i = 0; i <= index; i++) {
      assertThat(block.find()).as("README.md has a ```java block %d", i).isTrue();
    }
    return stripped(block.group(1).lines().toList());
  }

  private static List<String> stripped(List<String> lines) {
    List<String> result = new ArrayList<>();
    for (String line : lines) {
      if (!line.isBlank()) {
        result.add(line.strip());
      }
    }
    return result;
  }
}
