package io.dpft.core.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.data.batching.CausalLmExample;
import io.dpft.data.tokenize.TextTokenizer;
import io.dpft.data.tokenize.TokenizerOptions;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token ids against the word-level vocabulary {@link TinyE2e} writes, looked up by hand. */
class PromptEncodingTest {
  @Test
  void example_isPromptEosThenTargetEos(@TempDir Path dir) throws IOException {
    try (TextTokenizer tokenizer =
        TextTokenizer.load(TinyE2e.modelDirectory(dir), TokenizerOptions.truncating(64))) {
      PromptEncoding encoding = new PromptEncoding(tokenizer, TinyE2e.EOS);
      CausalLmExample example = encoding.example("name : Mill", "Mill serves French food .");
      assertThat(example.promptIds())
          .containsExactly(TinyE2e.id("name"), TinyE2e.id(":"), TinyE2e.id("Mill"), TinyE2e.EOS);
      assertThat(example.targetIds())
          .containsExactly(TinyE2e.id("Mill"), TinyE2e.id("serves"), TinyE2e.id("French"),
              TinyE2e.id("food"), TinyE2e.id("."), TinyE2e.EOS);
    }
  }

  @Test
  void decode_dropsEosAndJoinsWords(@TempDir Path dir) throws IOException {
    try (TextTokenizer tokenizer =
        TextTokenizer.load(TinyE2e.modelDirectory(dir), TokenizerOptions.truncating(64))) {
      PromptEncoding encoding = new PromptEncoding(tokenizer, TinyE2e.EOS);
      assertThat(encoding.decode(new long[] {TinyE2e.id("The"), TinyE2e.id("Mill"), TinyE2e.EOS}))
          .isEqualTo("The Mill");
    }
  }
}
