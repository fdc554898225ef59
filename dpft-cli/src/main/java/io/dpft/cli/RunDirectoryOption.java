package io.dpft.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --run-dir RUN_DIR}, the one name of a run directory in every command, as a required
 * picocli argument group ({@code @ArgGroup(exclusive = true, multiplicity = "1")}). The old
 * spelling {@code --checkpoint RUN_DIR} still works but is hidden from help and error messages.
 */
class RunDirectoryOption {
  static final String NAME = "--run-dir";

  Path path;

  @Option(
      names = NAME,
      paramLabel = "RUN_DIR",
      required = true,
      order = 1,
      description = "the run directory a training run wrote (config.json, checkpoint/)")
  void runDirectory(Path directory) {
    path = directory;
  }

  @Option(names = "--checkpoint", paramLabel = "RUN_DIR", required = true, hidden = true)
  void checkpoint(Path directory) {
    path = directory;
  }
}
