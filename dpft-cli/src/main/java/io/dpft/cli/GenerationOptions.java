package io.dpft.cli;

import picocli.CommandLine.Option;

/** How much a causal-lm run generates per input: shared by eval and predict. */
final class GenerationOptions {
  @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64", order = 20,
      description = "causal-lm: tokens generated at most per input (fewer when the model's"
          + " context is full); default: ${DEFAULT-VALUE}")
  int maxNewTokens;

  @Option(names = "--beams", paramLabel = "N", defaultValue = "1", order = 21,
      description = "causal-lm: 1 for greedy decoding, N > 1 for beam search keeping the best"
          + " of N beams; default: ${DEFAULT-VALUE}")
  int beams;

  /** @throws IllegalArgumentException naming the flag when a value is out of range */
  void check() {
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("--max-new-tokens must be >= 1, got " + maxNewTokens);
    }
    if (beams < 1) {
      throw new IllegalArgumentException("--beams must be >= 1, got " + beams);
    }
  }
}
