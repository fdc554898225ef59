package io.dpft.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.TinyBert;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A model directory around {@link TinyBert}'s encoder with a word-level tokenizer ([PAD] = 0,
 * [UNK] = 1, words w2..w22), and labelled sentences of those words: label 1 iff the sentence
 * contains w5 or w9.
 */
final class TinyTextModel {
  static final int MAX_LENGTH = 12;

  private TinyTextModel() {}

  /** Writes config.json, model.safetensors and tokenizer.json into {@code dir}. */
  static Path write(Path dir) throws IOException {
    try (BertModel encoder = TinyBert.classifier(2, BertModel.Pooling.CLS)) {
      TinyBert.saveEncoder(dir, encoder, name -> false);
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode tokenizer = json.createObjectNode();
    tokenizer.put("version", "1.0");
    tokenizer.putNull("truncation");
    tokenizer.putNull("padding");
    tokenizer.putArray("added_tokens").addObject().put("id", 0).put("content", "[PAD]")
        .put("single_word", false).put("lstrip", false).put("rstrip", false)
        .put("normalized", false).put("special", true);
    tokenizer.putNull("normalizer");
    tokenizer.putObject("pre_tokenizer").put("type", "Whitespace");
    tokenizer.putNull("post_processor");
    tokenizer.putNull("decoder");
    ObjectNode model = tokenizer.putObject("model");
    model.put("type", "WordLevel");
    ObjectNode vocab = model.putObject("vocab");
    vocab.put("[PAD]", 0);
    vocab.put("[UNK]", 1);
    for (int id = 2; id < TinyBert.VOCAB; id++) {
      vocab.put("w" + id, id);
    }
    model.put("unk_token", "[UNK]");
    json.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizer);
    return dir;
  }

  /** A labelled sentence. */
  record Sentence(String text, int label) {}

  /** {@code n} sentences of 3 to 10 words, reproducibly from {@code seed}. */
  static List<Sentence> sentences(int n, long seed) {
    Random random = new Random(seed);
    List<Sentence> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int length = 3 + random.nextInt(8);
      StringBuilder text = new StringBuilder();
      int label = 0;
      for (int w = 0; w < length; w++) {
        int id = 2 + random.nextInt(TinyBert.VOCAB - 2);
        label |= id == 5 || id == 9 ? 1 : 0;
        text.append(w == 0 ? "" : " ").append('w').append(id);
      }
      out.add(new Sentence(text.toString(), label));
    }
    return out;
  }
}
