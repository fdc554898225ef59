package io.dpft.core.dp.norms;

import io.dpft.core.nn.Embedding;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.pytorch.global.torch;

/**
 * Embedding lookups, with and without a padding row. Token ids repeat within a sample (a vocab of
 * 4 over 9 positions), so a rule without the token-equality mask gives different norms.
 */
class EmbeddingNormRuleTest extends NormRuleContract {
  private static final int B = 4;
  private static final long T = 9;
  private static final long VOCAB = 4;
  private static final long D = 3;

  @Override
  Map<String, Supplier<Case<?>>> cases() {
    Map<String, Supplier<Case<?>>> cases = new LinkedHashMap<>();
    cases.put("no padding", () -> table(new Embedding(VOCAB, D)));
    cases.put("padding row 0", () -> table(new Embedding(VOCAB, D, 0)));
    return cases;
  }

  private static Case<Embedding> table(Embedding layer) {
    return new Case<>(layer, new EmbeddingNormRule(), torch.randint(VOCAB, new long[] {B, T}),
        layer::forward);
  }
}
