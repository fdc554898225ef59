package io.dpft.core.models;

import static io.dpft.core.models.ReferenceCheckpoints.GPT2;
import static io.dpft.core.models.ReferenceCheckpoints.expected;
import static io.dpft.core.nn.TestTensors.gaussian;
import static io.dpft.core.nn.TestTensors.longValues;
import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dpft.core.io.WeightLoader;
import io.dpft.core.nn.Activation;
import io.dpft.core.nn.KeyValueCache;
import io.dpft.core.nn.ParameterKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-2 against the independent PyTorch reference ({@link ReferenceCheckpoints}), and properties
 * that hold for any weights: causality, cached = recomputed decoding, padding invariance.
 */
class Gpt2ModelTest {
  /** Float32 here against float64 in the reference. */
  private static final double TOLERANCE = 1e-4;

  /** A random model (Java init) with non-zero biases and norms, so that leaks would show. */
  private static Gpt2Model randomModel() {
    torch.manual_seed(11);
    Gpt2Model model = new Gpt2Model(new Gpt2Config(50, 32, 16, 2, 2, 24, Activation.GELU_TANH,
        0.1, 0.1, 0.1, 1e-5, 49, 49));
    Random random = new Random(12);
    model.parameters().values().forEach(p -> {
      // std 0.02 biases, 0.2 embeddings, 0.5 projections (varied greedy output), γ stays 1
      double scale = switch (p.kind()) {
        case BIAS, NORM_BIAS -> 1;
        case EMBEDDING -> 10;
        case WEIGHT -> 25;
        case NORM_WEIGHT -> 0;
      };
      Tensor noise = Tensor.create(gaussian(random, (int) p.tensor().numel()), p.shape());
      try (NoGradGuard noGrad = new NoGradGuard()) {
        p.tensor().add_(noise.mul(new Scalar(scale * 0.02)));
      }
    });
    model.eval();
    return model;
  }

  private static long[][] ones(long[][] rows) {
    return Arrays.stream(rows).map(r -> {
      long[] one = new long[r.length];
      Arrays.fill(one, 1);
      return one;
    }).toArray(long[][]::new);
  }

  private static long[][] rows(Tensor t) {
    long[] flat = longValues(t);
    int width = (int) t.size(1);
    long[][] out = new long[(int) t.size(0)][];
    for (int b = 0; b < out.length; b++) {
      out[b] = Arrays.copyOfRange(flat, b * width, (b + 1) * width);
    }
    return out;
  }

  @Test
  void namedParameters_tinyConfig_matchHuggingFaceNamesAndShapes() throws IOException {
    try (Gpt2Model model = new Gpt2Model(
        Gpt2Config.read(ReferenceCheckpoints.directory(GPT2).resolve("config.json")))) {
      Map<String, List<Long>> expected = new LinkedHashMap<>();
      expected.put("transformer.wte.weight", List.of(100L, 32L));
      expected.put("transformer.wpe.weight", List.of(64L, 32L));
      for (int i = 0; i < 2; i++) {
        String h = "transformer.h." + i + ".";
        expected.put(h + "ln_1.weight", List.of(32L));
        expected.put(h + "ln_1.bias", List.of(32L));
        expected.put(h + "attn.c_attn.weight", List.of(32L, 96L)); // Conv1D: [in, out]
        expected.put(h + "attn.c_attn.bias", List.of(96L));
        expected.put(h + "attn.c_proj.weight", List.of(32L, 32L));
        expected.put(h + "attn.c_proj.bias", List.of(32L));
        expected.put(h + "ln_2.weight", List.of(32L));
        expected.put(h + "ln_2.bias", List.of(32L));
        expected.put(h + "mlp.c_fc.weight", List.of(32L, 128L));
        expected.put(h + "mlp.c_fc.bias", List.of(128L));
        expected.put(h + "mlp.c_proj.weight", List.of(128L, 32L));
        expected.put(h + "mlp.c_proj.bias", List.of(32L));
      }
      expected.put("transformer.ln_f.weight", List.of(32L));
      expected.put("transformer.ln_f.bias", List.of(32L));
      assertThat(ParameterShapes.of(model)).containsExactlyEntriesOf(expected);
      WeightLoader.LoadReport report = WeightLoader.load(ReferenceCheckpoints.directory(GPT2),
          model.namedParameters(), WeightLoader.Mode.STRICT);
      assertThat(report.isComplete()).isTrue();
    }
  }

  @Test
  void forward_referencePaddedBatch_matchesPyTorchAtTokenPositions() throws IOException {
    try (PointerScope scope = new PointerScope(); Gpt2Model model = ReferenceCheckpoints.gpt2();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor mask = expected(GPT2, "attention_mask"); // row 1 left-, row 2 right-padded
      Tensor hidden = model.forward(new TokenBatch(expected(GPT2, "input_ids"), mask, null));
      Tensor logits = model.logits(hidden);
      // the reference stores 0 at padding positions, where outputs are unspecified
      Tensor keep = mask.to(torch.ScalarType.Float).unsqueeze(2);
      assertThat(maxAbsDiff(hidden.mul(keep), expected(GPT2, "last_hidden_state")))
          .isLessThanOrEqualTo(TOLERANCE);
      assertThat(maxAbsDiff(logits.mul(keep), expected(GPT2, "logits")))
          .isLessThanOrEqualTo(TOLERANCE);
    }
  }

  @Test
  void positionIds_leftAndRightPadding_countRealTokensAsReference() throws IOException {
    try (PointerScope scope = new PointerScope()) {
      assertThat(longValues(Gpt2Model.positionIds(expected(GPT2, "attention_mask"))))
          .containsExactly(longValues(expected(GPT2, "position_ids")));
    }
  }

  @Test
  void greedy_referencePrompt_matchesPyTorchTokens() throws IOException {
    try (PointerScope scope = new PointerScope(); Gpt2Model model = ReferenceCheckpoints.gpt2()) {
      long[][] prompt = rows(expected(GPT2, "greedy_prompt"));
      long[][] generated = Gpt2Generation.greedy(model, prompt, ones(prompt), 8);
      assertThat(generated).isDeepEqualTo(rows(expected(GPT2, "greedy_ids")));
    }
  }

  @Test
  void greedy_referenceLeftPaddedBatch_matchesPyTorchTokens() throws IOException {
    try (PointerScope scope = new PointerScope(); Gpt2Model model = ReferenceCheckpoints.gpt2()) {
      long[][] generated = Gpt2Generation.greedy(model, rows(expected(GPT2, "greedy_batch_prompt")),
          rows(expected(GPT2, "greedy_batch_attention_mask")), 8);
      assertThat(generated).isDeepEqualTo(rows(expected(GPT2, "greedy_batch_ids")));
    }
  }

  @Test
  void beamSearch_referencePrompt_matchesPyTorchBeamsAndScores() throws IOException {
    try (PointerScope scope = new PointerScope(); Gpt2Model model = ReferenceCheckpoints.gpt2()) {
      long[] prompt = longValues(expected(GPT2, "beam_prompt"));
      List<Gpt2Generation.Hypothesis> beams = Gpt2Generation.beamSearch(model, prompt, 3, 8);
      long[][] expectedIds = rows(expected(GPT2, "beam_ids"));
      float[] expectedScores = values(expected(GPT2, "beam_scores"));
      assertThat(beams).hasSize(3);
      for (int k = 0; k < 3; k++) {
        assertThat(beams.get(k).tokenIds()).as("beam %d", k).containsExactly(expectedIds[k]);
        assertThat(beams.get(k).score()).as("score of beam %d", k)
            .isCloseTo(expectedScores[k], within(TOLERANCE));
      }
      // the reference was chosen so that beam search beats greedy: both must be implemented
      assertThat(beams.get(0).tokenIds()).isNotEqualTo(longValues(expected(GPT2, "greedy_ids")));
    }
  }

  @Test
  void beamSearch_oneBeam_equalsGreedy() throws IOException {
    try (PointerScope scope = new PointerScope(); Gpt2Model model = ReferenceCheckpoints.gpt2()) {
      long[] prompt = {3, 14, 15, 92};
      long[] beam = Gpt2Generation.beamSearch(model, prompt, 1, 10).get(0).tokenIds();
      assertThat(beam).containsExactly(
          Gpt2Generation.greedy(model, new long[][] {prompt}, new long[][] {{1, 1, 1, 1}}, 10)[0]);
    }
  }

  /** Greedy with the KV cache against a slow loop that recomputes the whole sequence per token. */
  @Test
  void greedy_kvCache_equalsArgmaxOfFullRecomputation() {
    try (PointerScope scope = new PointerScope(); Gpt2Model model = randomModel();
        NoGradGuard noGrad = new NoGradGuard()) {
      long[] sequence = {7, 1, 30, 22};
      for (int step = 0; step < 12; step++) {
        long[][] batch = {sequence};
        Tensor logits = model.logits(model.forward(TokenBatch.of(batch, ones(batch)))); // (1, T, V)
        long next = logits.select(1, sequence.length - 1).argmax().item_long();
        sequence = Arrays.copyOf(sequence, sequence.length + 1);
        sequence[sequence.length - 1] = next;
      }
      long[] greedy = Gpt2Generation.greedy(model, new long[][] {{7, 1, 30, 22}},
          new long[][] {{1, 1, 1, 1}}, 12)[0];
      assertThat(greedy).containsExactly(sequence);
      assertThat(Arrays.stream(sequence, 4, 16).distinct().count()).isGreaterThan(1);
    }
  }

  /** Feeding a left-padded batch in chunks through the cache gives the full forward's states. */
  @Test
  void forward_kvCacheInChunks_equalsFullForward() {
    try (PointerScope scope = new PointerScope(); Gpt2Model model = randomModel();
        NoGradGuard noGrad = new NoGradGuard(); KeyValueCache cache = model.newCache()) {
      long[][] tokens = {{49, 49, 5, 9, 2, 17, 33, 8, 40}, {4, 44, 21, 6, 13, 27, 1, 3, 11}};
      long[][] mask = {{0, 0, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1}};
      TokenBatch batch = TokenBatch.of(tokens, mask);
      Tensor full = model.forward(batch); // (2, 9, d)
      int[] chunks = {4, 1, 3, 1};
      Tensor[] parts = new Tensor[chunks.length];
      int start = 0;
      for (int c = 0; c < chunks.length; c++) {
        parts[c] = model.forward(batch.inputIds().narrow(1, start, chunks[c]),
            batch.attentionMask().narrow(1, 0, start + chunks[c]), cache);
        start += chunks[c];
      }
      assertThat(cache.length()).isEqualTo(9);
      Tensor incremental = torch.cat(new TensorVector(parts), 1);
      Tensor keep = batch.attentionMask().to(torch.ScalarType.Float).unsqueeze(2);
      assertThat(maxAbsDiff(incremental.mul(keep), full.mul(keep))).isLessThan(1e-5);
    }
  }

  @Test
  void forward_laterTokensChanged_earlierLogitsUnchanged() {
    try (PointerScope scope = new PointerScope(); Gpt2Model model = randomModel();
        NoGradGuard noGrad = new NoGradGuard()) {
      long[][] original = {{3, 8, 13, 21, 34, 5, 12, 47}};
      long[][] changed = {{3, 8, 13, 21, 34, 6, 40, 2}}; // differs after position 4
      Tensor a = model.logits(model.forward(TokenBatch.of(original, ones(original))));
      Tensor b = model.logits(model.forward(TokenBatch.of(changed, ones(changed))));
      assertThat(maxAbsDiff(a.narrow(1, 0, 5), b.narrow(1, 0, 5))).isLessThan(1e-6);
      assertThat(maxAbsDiff(a.narrow(1, 5, 3), b.narrow(1, 5, 3))).isGreaterThan(1e-2);
    }
  }

  @Test
  void forward_leftOrRightPadding_doesNotChangeRealTokens() {
    try (PointerScope scope = new PointerScope(); Gpt2Model model = randomModel();
        NoGradGuard noGrad = new NoGradGuard()) {
      long[] sentence = {10, 20, 30, 40, 45};
      Tensor alone = model.forward(TokenBatch.of(new long[][] {sentence},
          new long[][] {{1, 1, 1, 1, 1}})).select(0, 0); // (5, d)
      Tensor batch = model.forward(TokenBatch.of(
          new long[][] {{49, 49, 10, 20, 30, 40, 45}, {10, 20, 30, 40, 45, 49, 49},
              {1, 2, 3, 4, 5, 6, 7}},
          new long[][] {{0, 0, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 0, 0}, {1, 1, 1, 1, 1, 1, 1}}));
      assertThat(maxAbsDiff(batch.select(0, 0).narrow(0, 2, 5), alone)).isLessThan(1e-5);
      assertThat(maxAbsDiff(batch.select(0, 1).narrow(0, 0, 5), alone)).isLessThan(1e-5);
    }
  }

  @Test
  void forward_longerThanNPositions_throws() {
    try (PointerScope scope = new PointerScope(); Gpt2Model model = randomModel()) {
      long[][] tooLong = new long[1][33];
      assertThatThrownBy(() -> model.forward(TokenBatch.of(tooLong, ones(tooLong))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("n_positions").hasMessageContaining("33");
    }
  }

  @Test
  void greedy_rightPaddedPrompt_throws() {
    try (Gpt2Model model = randomModel()) {
      assertThatThrownBy(() -> Gpt2Generation.greedy(model, new long[][] {{1, 2, 49}},
          new long[][] {{1, 1, 0}}, 3))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("left padding");
    }
  }

  @Test
  void greedy_trainingMode_throws() {
    try (Gpt2Model model = randomModel()) {
      model.train(true);
      assertThatThrownBy(() -> Gpt2Generation.greedy(model, new long[][] {{1, 2}},
          new long[][] {{1, 1}}, 3))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("eval()");
    }
  }

  @Test
  void beamSearch_pastNPositions_throws() {
    try (Gpt2Model model = randomModel()) {
      assertThatThrownBy(() -> Gpt2Generation.beamSearch(model, new long[] {1, 2, 3}, 2, 30))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("maxNewTokens 30").hasMessageContaining("n_positions");
    }
  }

  @Test
  void load_configWeightShapeMismatch_namesFileAndTensor(@TempDir Path dir) throws IOException {
    Path reference = ReferenceCheckpoints.directory(GPT2);
    Files.copy(reference.resolve("model.safetensors"), dir.resolve("model.safetensors"));
    Files.writeString(dir.resolve("config.json"),
        Files.readString(reference.resolve("config.json")).replace("\"vocab_size\": 100",
            "\"vocab_size\": 101"));
    try (Gpt2Model model = new Gpt2Model(Gpt2Config.read(dir.resolve("config.json")))) {
      assertThatThrownBy(() -> WeightLoader.load(dir, model.namedParameters(),
          WeightLoader.Mode.STRICT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(dir.resolve("model.safetensors").toString())
          .hasMessageContaining("transformer.wte.weight")
          .hasMessageContaining("[100, 32]").hasMessageContaining("[101, 32]");
    }
  }
}
