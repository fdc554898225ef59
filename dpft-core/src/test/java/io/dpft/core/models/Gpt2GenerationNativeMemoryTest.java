package io.dpft.core.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.nn.Activation;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Repeated generation must not grow the process' resident memory: each decoding step's tensors
 * die with its PointerScope and the KV cache releases what it replaces. Leaking one beam step's
 * logits (≈ 0.1 MB) or replaced cache (≈ 1 MB at 60 positions) adds far more than the limit
 * over the 8 measured calls.
 */
class Gpt2GenerationNativeMemoryTest {
  private static final int CALLS = 12;
  private static final int WARM_UP = 4;
  private static final int NEW_TOKENS = 8;
  private static final long MAX_GROWTH_KB = 40 * 1024;

  @Test
  void greedyAndBeamSearch_repeated_keepResidentMemoryFlat() throws IOException {
    Gpt2Config config = new Gpt2Config(2000, 64, 256, 2, 4, 256, Activation.GELU_TANH, 0, 0, 0,
        1e-5, 0, 0);
    long atWarmUp = 0;
    try (Gpt2Model model = new Gpt2Model(config)) {
      model.eval();
      long[] prompt = new long[56];
      Arrays.setAll(prompt, t -> 7L * t + 3);
      long[] mask = new long[56];
      Arrays.fill(mask, 1);
      for (int call = 1; call <= CALLS; call++) {
        Gpt2Generation.beamSearch(model, prompt, 4, NEW_TOKENS);
        Gpt2Generation.greedy(model, new long[][] {prompt, prompt}, new long[][] {mask, mask},
            NEW_TOKENS);
        if (call == WARM_UP) {
          atWarmUp = ResidentMemory.outsideJvmKilobytes();
        }
      }
    }
    long growthKb = ResidentMemory.outsideJvmKilobytes() - atWarmUp;
    assertThat(growthKb).as("growth of VmRSS outside the JVM from call %d to %d, kB", WARM_UP, CALLS)
        .isLessThan(MAX_GROWTH_KB);
  }
}
