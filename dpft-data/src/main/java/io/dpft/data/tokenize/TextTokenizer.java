package io.dpft.data.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.util.PairList;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.data.datasets.TextExample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A Hugging Face tokenizer ({@code tokenizer.json}: WordPiece for BERT, byte-level BPE for
 * RoBERTa/GPT-2, ...) loaded from a local file, fully offline, through DJL's binding of the Rust
 * {@code tokenizers} library. It holds native memory: close it.
 *
 * <p>Truncation is done by the native tokenizer (longest-first for pairs, special tokens kept);
 * padding is done here, at the end, with {@link #padId()}: the {@code padding.pad_id} of the
 * file, else the id of an added {@code [PAD]} or {@code <pad>} token, else 0 (GPT-2 has no pad
 * token; padded positions are masked, so the id does not matter there).
 */
public final class TextTokenizer implements AutoCloseable {
  static {
    // Nothing downloads at run time: the native library ships in the DJL jar.
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
  }

  private final HuggingFaceTokenizer tokenizer;
  private final TokenizerOptions options;
  private final long padId;

  private TextTokenizer(HuggingFaceTokenizer tokenizer, TokenizerOptions options, long padId) {
    this.tokenizer = tokenizer;
    this.options = options;
    this.padId = padId;
  }

  /**
   * Loads {@code tokenizerJson} (a {@code tokenizer.json} file, or a folder holding one).
   *
   * @throws IllegalArgumentException when the file does not exist
   */
  public static TextTokenizer load(Path tokenizerJson, TokenizerOptions options) {
    Objects.requireNonNull(options, "options");
    Path file =
        Files.isDirectory(tokenizerJson) ? tokenizerJson.resolve("tokenizer.json") : tokenizerJson;
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "tokenizer file " + file + " does not exist; give the path of a Hugging Face tokenizer.json");
    }
    try {
      HuggingFaceTokenizer tokenizer =
          HuggingFaceTokenizer.builder()
              .optTokenizerPath(file)
              .optMaxLength(options.maxLength())
              .optTruncation(true)
              .optPadding(false)
              .optAddSpecialTokens(options.addSpecialTokens())
              .build();
      return new TextTokenizer(tokenizer, options, readPadId(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load tokenizer " + file + ": " + e, e);
    }
  }

  private static long readPadId(Path file) throws IOException {
    JsonNode root = new ObjectMapper().readTree(file.toFile());
    JsonNode padding = root.path("padding");
    if (padding.hasNonNull("pad_id")) {
      return padding.get("pad_id").asLong();
    }
    for (JsonNode token : root.path("added_tokens")) {
      String content = token.path("content").asText();
      if (content.equals("[PAD]") || content.equals("<pad>")) {
        return token.path("id").asLong();
      }
    }
    return 0;
  }

  public TokenizerOptions options() {
    return options;
  }

  public long padId() {
    return padId;
  }

  /** One text, truncated (and padded to maxLength under {@link Padding#MAX_LENGTH}). */
  public TokenEncoding encode(String text) {
    return pad(List.of(convert(tokenizer.encode(text)))).get(0);
  }

  /** A text pair: {@code [CLS] text [SEP] pair [SEP]} for BERT, type ids 0 then 1. */
  public TokenEncoding encode(String text, String pair) {
    return pad(List.of(convert(tokenizer.encode(text, pair)))).get(0);
  }

  /** A single text or a pair, as the example holds. */
  public TokenEncoding encode(TextExample example) {
    return example.isPair() ? encode(example.text(), example.textPair()) : encode(example.text());
  }

  /** Single texts in one native batch call, padded as the options say. */
  public List<TokenEncoding> encodeBatch(List<String> texts) {
    if (texts.isEmpty()) {
      return List.of();
    }
    return pad(convert(tokenizer.batchEncode(texts)));
  }

  /**
   * Examples in one native batch call: all single texts or all pairs.
   *
   * @throws IllegalArgumentException when single texts and pairs are mixed
   */
  public List<TokenEncoding> encodeExamples(List<TextExample> examples) {
    if (examples.isEmpty()) {
      return List.of();
    }
    boolean pairs = examples.get(0).isPair();
    for (int i = 0; i < examples.size(); i++) {
      if (examples.get(i).isPair() != pairs) {
        throw new IllegalArgumentException(
            "examples must be all single texts or all pairs; example 0 is "
                + (pairs ? "a pair" : "single")
                + " but example "
                + i
                + " is not");
      }
    }
    if (!pairs) {
      return encodeBatch(examples.stream().map(TextExample::text).toList());
    }
    PairList<String, String> input = new PairList<>(examples.size());
    for (TextExample example : examples) {
      input.add(example.text(), example.textPair());
    }
    return pad(convert(tokenizer.batchEncode(input)));
  }

  /** Token ids of {@code text} without special tokens or padding, truncated to maxLength. */
  public long[] tokenIds(String text) {
    return tokenizer.encode(text, false, false).getIds();
  }

  /** Text of {@code ids}; with {@code skipSpecialTokens} drops {@code [CLS]}, padding, ... */
  public String decode(long[] ids, boolean skipSpecialTokens) {
    return tokenizer.decode(ids, skipSpecialTokens);
  }

  private static TokenEncoding convert(Encoding encoding) {
    return new TokenEncoding(
        encoding.getIds(), encoding.getAttentionMask(), encoding.getTypeIds());
  }

  private static List<TokenEncoding> convert(Encoding[] encodings) {
    List<TokenEncoding> out = new ArrayList<>(encodings.length);
    for (Encoding encoding : encodings) {
      out.add(convert(encoding));
    }
    return out;
  }

  private List<TokenEncoding> pad(List<TokenEncoding> encodings) {
    int target;
    switch (options.padding()) {
      case NONE:
        return encodings;
      case MAX_LENGTH:
        target = options.maxLength();
        break;
      default:
        target = encodings.stream().mapToInt(TokenEncoding::paddedLength).max().orElse(0);
        break;
    }
    List<TokenEncoding> out = new ArrayList<>(encodings.size());
    for (TokenEncoding encoding : encodings) {
      out.add(encoding.padTo(target, padId));
    }
    return out;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
