package io.dpft.core.train;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a run writes besides the model and its privacy record.
 *
 * @param checkpointInterval steps between checkpoints; 0 for one after every epoch
 * @param batchStatistics whether {@code metrics.jsonl} gets each step's training loss, batch size
 *     and clipping statistics: read from the private training batch, they are NOT covered by ε
 * @param command the options of the command that started the run, by name, so that a resume can
 *     take them from the run (empty when the run was started from the library)
 */
public record RunOutput(
    long checkpointInterval, boolean batchStatistics, Map<String, String> command) {
  public RunOutput {
    if (checkpointInterval < 0) {
      throw new IllegalArgumentException(
          "checkpointInterval must be >= 0 (0: after every epoch), got " + checkpointInterval);
    }
    command = command == null ? Map.of() : new TreeMap<>(command);
  }

  /** A checkpoint after every epoch, all statistics logged, no command recorded. */
  public static RunOutput defaults() {
    return new RunOutput(0, true, Map.of());
  }
}
