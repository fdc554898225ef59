package io.dpft.core.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A tiny table-to-text setup for causal LM tests (shared with dpft-cli's tests through the test
 * jar): the 2-layer reference GPT-2 ({@code reference/gpt2-tiny}, vocabulary 100, EOS 99) as a
 * Hugging Face model directory with a word-level {@code tokenizer.json} written here (the
 * reference has none), and E2E-style CSV files whose every word is in that vocabulary.
 *
 * <p>The tokenizer splits on whitespace and punctuation ({@code Whitespace} pre-tokenizer) and
 * maps each word to its index in {@link #WORDS} plus one; id 0 is {@code [UNK]}, ids up to 98
 * not taken by a word are fillers {@code <unusedN>}, and 99 is {@code <|endoftext|>}, so every id
 * the model can generate decodes to a token.
 */
public final class TinyE2e {
  public static final int EOS = 99;
  private static final int VOCAB_SIZE = 100;
  private static final String MODEL_RESOURCE = "/reference/gpt2-tiny/";

  private static final List<String> NAMES = List.of("Alimentum", "Vaults", "Phoenix", "Mill");
  private static final List<String> FOODS = List.of("Italian", "French", "Chinese", "English");
  private static final List<String> AREAS = List.of("riverside", "centre");

  /** Every word of the prompts and references, in id order (ids 1, 2, ...). */
  public static final List<String> WORDS = words();

  private TinyE2e() {}

  private static List<String> words() {
    List<String> words = new ArrayList<>(List.of(
        "name", "food", "area", ":", "|", "The", "serves", "food", "in", "the", "."));
    words.addAll(NAMES);
    words.addAll(FOODS);
    words.addAll(AREAS);
    return List.copyOf(new LinkedHashSet<>(words));
  }

  /** The id of {@code word} in the tokenizer {@link #modelDirectory} writes. */
  public static long id(String word) {
    int index = WORDS.indexOf(word);
    if (index < 0) {
      throw new IllegalArgumentException("not in the vocabulary: " + word);
    }
    return index + 1;
  }

  /** The token of {@code id} in that tokenizer: a word, {@code [UNK]}, a filler or EOS. */
  public static String token(long id) {
    if (id == 0) {
      return "[UNK]";
    }
    if (id == EOS) {
      return "<|endoftext|>";
    }
    return id <= WORDS.size() ? WORDS.get((int) id - 1) : "<unused" + id + ">";
  }

  /** Writes the model directory (config.json, model.safetensors, tokenizer.json) into {@code dir}. */
  public static Path modelDirectory(Path dir) throws IOException {
    Files.createDirectories(dir);
    for (String file : List.of("config.json", "model.safetensors")) {
      try (InputStream in = TinyE2e.class.getResourceAsStream(MODEL_RESOURCE + file)) {
        if (in == null) {
          throw new IllegalStateException("test resource " + MODEL_RESOURCE + file + " is missing");
        }
        Files.copy(in, dir.resolve(file));
      }
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode tokenizer = json.createObjectNode();
    tokenizer.put("version", "1.0");
    tokenizer.putNull("truncation");
    tokenizer.putNull("padding");
    ArrayNode added = tokenizer.putArray("added_tokens");
    added.addObject().put("id", EOS).put("content", "<|endoftext|>").put("single_word", false)
        .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
    tokenizer.putNull("normalizer");
    tokenizer.putObject("pre_tokenizer").put("type", "Whitespace");
    tokenizer.putNull("post_processor");
    tokenizer.putNull("decoder");
    ObjectNode model = tokenizer.putObject("model");
    model.put("type", "WordLevel");
    ObjectNode vocab = model.putObject("vocab");
    for (int id = 0; id < VOCAB_SIZE; id++) {
      vocab.put(token(id), id);
    }
    model.put("unk_token", "[UNK]");
    json.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizer);
    return dir;
  }

  /** One row: a meaning representation and its reference. */
  public record Row(String mr, String ref) {}

  /**
   * {@code count} rows cycling through names, foods and areas: {@code name[N], food[F],
   * area[A]} with the reference {@code The N serves F food in the A .}; every fourth input gets a
   * second reference {@code N serves F food .}.
   */
  public static List<Row> rows(int count, int offset) {
    List<Row> rows = new ArrayList<>();
    for (int i = offset; rows.size() < count; i++) {
      String name = NAMES.get(i % NAMES.size());
      String food = FOODS.get((i / NAMES.size()) % FOODS.size());
      String area = AREAS.get(i % AREAS.size());
      String mr = "name[" + name + "], food[" + food + "], area[" + area + "]";
      rows.add(new Row(mr, "The " + name + " serves " + food + " food in the " + area + " ."));
      if (i % 4 == 0 && rows.size() < count) {
        rows.add(new Row(mr, name + " serves " + food + " food ."));
      }
    }
    return rows;
  }

  /** Writes {@code rows} as an E2E CSV file (header {@code mr,ref}, fields quoted). */
  public static Path csv(Path file, List<Row> rows) {
    StringBuilder text = new StringBuilder("mr,ref\n");
    for (Row row : rows) {
      text.append('"').append(row.mr()).append("\",\"").append(row.ref()).append("\"\n");
    }
    try {
      return Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The reference of each row, grouped by meaning representation (in order), for checks. */
  public static Map<String, List<String>> referencesByMr(List<Row> rows) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    rows.forEach(r -> out.computeIfAbsent(r.mr(), k -> new ArrayList<>()).add(r.ref()));
    return out;
  }
}
