package io.dpft.data.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.data.datasets.TextExample;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against the real all-MiniLM-L6-v2 tokenizer.json (BERT uncased WordPiece, the bert-base-uncased
 * vocabulary of 30,522 tokens). Reference ids are those of bert-base-uncased: [CLS] = 101, [SEP] =
 * 102, [PAD] = 0, and the Hugging Face Transformers documentation's BertModel example "Hello, my
 * dog is cute" → [101, 7592, 1010, 2026, 3899, 2003, 10140, 102] (hello = 7592, "," = 1010, my =
 * 2026, dog = 3899, is = 2003, cute = 10140); world = 2088 is line 2089 of bert-base-uncased's
 * vocab.txt.
 */
class TextTokenizerTest {
  private static final long CLS = 101;
  private static final long SEP = 102;
  private static final long HELLO = 7592;
  private static final long WORLD = 2088;
  private static final long[] DOG_SENTENCE = {101, 7592, 1010, 2026, 3899, 2003, 10140, 102};

  @TempDir static Path dir;
  static Path tokenizerJson;

  @BeforeAll
  static void extractTokenizer() throws IOException {
    tokenizerJson = dir.resolve("tokenizer.json");
    try (InputStream in =
        TextTokenizerTest.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
      assertThat(in).as("tokenizer resource from the langchain4j test jar").isNotNull();
      Files.copy(in, tokenizerJson);
    }
  }

  private static TextTokenizer load(TokenizerOptions options) {
    return TextTokenizer.load(tokenizerJson, options);
  }

  @Test
  void encode_helloWorld_givesBertBaseUncasedIds() {
    try (TextTokenizer tokenizer = load(TokenizerOptions.truncating(128))) {
      TokenEncoding encoding = tokenizer.encode("hello world");
      assertThat(encoding.ids()).containsExactly(CLS, HELLO, WORLD, SEP);
      assertThat(encoding.attentionMask()).containsExactly(1, 1, 1, 1);
      assertThat(encoding.typeIds()).containsExactly(0, 0, 0, 0);
      assertThat(encoding.length()).isEqualTo(4);
    }
  }

  @Test
  void encode_documentationSentence_matchesPublishedIds() {
    try (TextTokenizer tokenizer = load(TokenizerOptions.truncating(128))) {
      assertThat(tokenizer.encode("Hello, my dog is cute").ids()).containsExactly(DOG_SENTENCE);
    }
  }

  @Test
  void encode_longText_truncatedToMaxLengthKeepingSep() {
    try (TextTokenizer tokenizer = load(TokenizerOptions.truncating(5))) {
      TokenEncoding encoding = tokenizer.encode("Hello, my dog is cute");
      assertThat(encoding.ids()).containsExactly(CLS, HELLO, 1010, 2026, SEP);
    }
  }

  @Test
  void encode_pair_hasSeparatorsAndTypeIds() {
    try (TextTokenizer tokenizer = load(TokenizerOptions.truncating(128))) {
      TokenEncoding encoding = tokenizer.encode("hello world", "my dog is cute");
      assertThat(encoding.ids())
          .containsExactly(CLS, HELLO, WORLD, SEP, 2026, 3899, 2003, 10140, SEP);
      assertThat(encoding.typeIds()).containsExactly(0, 0, 0, 0, 1, 1, 1, 1, 1);
    }
  }

  @Test
  void encode_pairTooLong_truncatesLongestFirst() {
    // 2 + 4 tokens + 3 special = 9 > 7: the longer second text loses 2 tokens (4 -> 3 -> 2).
    try (TextTokenizer tokenizer = load(TokenizerOptions.truncating(7))) {
      TokenEncoding encoding = tokenizer.encode("hello world", "my dog is cute");
      assertThat(encoding.ids()).containsExactly(CLS, HELLO, WORLD, SEP, 2026, 3899, SEP);
      assertThat(encoding.typeIds()).containsExactly(0, 0, 0, 0, 1, 1, 1);
    }
  }

  @Test
  void encode_maxLengthPadding_padsAtEndWithPadIdAndMaskZero() {
    try (TextTokenizer tokenizer =
        load(TokenizerOptions.truncating(6).withPadding(Padding.MAX_LENGTH))) {
      TokenEncoding encoding = tokenizer.encode("hello");
      assertThat(tokenizer.padId()).isZero();
      assertThat(encoding.ids()).containsExactly(CLS, HELLO, SEP, 0, 0, 0);
      assertThat(encoding.attentionMask()).containsExactly(1, 1, 1, 0, 0, 0);
      assertThat(encoding.length()).isEqualTo(3);
    }
  }

  @Test
  void encodeBatch_longestPadding_padsToLongestInBatch() {
    try (TextTokenizer tokenizer =
        load(TokenizerOptions.truncating(64).withPadding(Padding.LONGEST))) {
      List<TokenEncoding> batch = tokenizer.encodeBatch(List.of("hello", "hello world hello"));
      assertThat(batch.get(0).ids()).containsExactly(CLS, HELLO, SEP, 0, 0);
      assertThat(batch.get(0).attentionMask()).containsExactly(1, 1, 1, 0, 0);
      assertThat(batch.get(1).ids()).containsExactly(CLS, HELLO, WORLD, HELLO, SEP);
    }
  }

  @Test
  void encodeExamples_pairsInOneBatch_equalSingleCalls() {
    try (TextTokenizer tokenizer = load(TokenizerOptions.truncating(32))) {
      List<TextExample> pairs =
          List.of(new TextExample("hello world", "my dog", 0), new TextExample("is cute", "hello", 1));
      List<TokenEncoding> batch = tokenizer.encodeExamples(pairs);
      for (int i = 0; i < pairs.size(); i++) {
        TokenEncoding single = tokenizer.encode(pairs.get(i).text(), pairs.get(i).textPair());
        assertThat(batch.get(i).ids()).containsExactly(single.ids());
        assertThat(batch.get(i).typeIds()).containsExactly(single.typeIds());
      }
    }
  }

  @Test
  void encodeExamples_mixedSingleAndPair_throws() {
    try (TextTokenizer tokenizer = load(TokenizerOptions.truncating(32))) {
      List<TextExample> mixed =
          List.of(TextExample.single("hello", 0), new TextExample("hello", "world", 0));
      assertThatThrownBy(() -> tokenizer.encodeExamples(mixed))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("example 1");
    }
  }

  @Test
  void tokenIdsAndDecode_roundTrip() {
    try (TextTokenizer tokenizer = load(TokenizerOptions.truncating(32))) {
      assertThat(tokenizer.tokenIds("hello world")).containsExactly(HELLO, WORLD);
      assertThat(tokenizer.decode(DOG_SENTENCE, true)).isEqualTo("hello, my dog is cute");
    }
  }

  @Test
  void load_missingFile_throwsNamingIt() {
    Path missing = dir.resolve("nope/tokenizer.json");
    assertThatThrownBy(() -> TextTokenizer.load(missing, TokenizerOptions.truncating(8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing.toString());
  }

  @Test
  void options_maxLengthZero_throws() {
    assertThatThrownBy(() -> TokenizerOptions.truncating(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxLength must be >= 1, got 0");
  }
}
