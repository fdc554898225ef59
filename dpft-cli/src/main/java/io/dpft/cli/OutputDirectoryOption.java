package io.dpft.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --output DIR}, the one name of what a command writes, as a required picocli argument group
 * ({@code @ArgGroup(exclusive = true, multiplicity = "1")}). The old spelling {@code --out DIR}
 * still works but is hidden from help and error messages.
 */
final class OutputDirectoryOption {
  Path path;

  @Option(
      names = "--output",
      paramLabel = "DIR",
      required = true,
      description = "the directory to write; it must not exist yet, or be empty")
  void output(Path directory) {
    path = directory;
  }

  @Option(names = "--out", paramLabel = "DIR", required = true, hidden = true)
  void out(Path directory) {
    path = directory;
  }
}
