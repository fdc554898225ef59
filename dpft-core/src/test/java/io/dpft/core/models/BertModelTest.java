package io.dpft.core.models;

import static io.dpft.core.nn.TestTensors.gaussian;
import static io.dpft.core.nn.TestTensors.longValues;
import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.models.BertConfig.ModelType;
import io.dpft.core.models.BertModel.Options;
import io.dpft.core.models.BertModel.Pooling;
import io.dpft.core.nn.Activation;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.ParameterKind;
import io.dpft.core.nn.Tape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class BertModelTest {
  private static final int D = 8;
  private static final int FF = 16;
  private static final int VOCAB = 20;
  private static final int MAX_POS = 16;

  static BertConfig tiny(ModelType type) {
    return new BertConfig(type, VOCAB, D, 2, 2, FF, Activation.GELU, 0.1, 0.1, MAX_POS,
        type == ModelType.ROBERTA ? 1 : 2, 1e-12, type == ModelType.ROBERTA ? 1 : 0);
  }

  /** Non-zero biases and norm parameters, so that padding leaks would show. */
  private static BertModel model(ModelType type, Options options) {
    torch.manual_seed(7);
    BertModel model = new BertModel(tiny(type), options);
    Random random = new Random(8);
    model.parameters().values().stream()
        .filter(p -> p.kind() == ParameterKind.BIAS || p.kind() == ParameterKind.NORM_BIAS)
        .forEach(p -> p.tensor().detach().copy_(
            Tensor.create(gaussian(random, (int) p.tensor().numel()), p.shape())));
    model.eval();
    return model;
  }

  @Test
  void namedParameters_tinyBert_matchHuggingFaceNamesAndShapes() {
    try (BertModel model = new BertModel(tiny(ModelType.BERT),
        Options.sequenceClassification(3, Pooling.CLS))) {
      Map<String, List<Long>> expected = new LinkedHashMap<>();
      expected.put("embeddings.word_embeddings.weight", List.of(20L, 8L));
      expected.put("embeddings.position_embeddings.weight", List.of(16L, 8L));
      expected.put("embeddings.token_type_embeddings.weight", List.of(2L, 8L));
      expected.put("embeddings.LayerNorm.weight", List.of(8L));
      expected.put("embeddings.LayerNorm.bias", List.of(8L));
      for (int i = 0; i < 2; i++) {
        String l = "encoder.layer." + i + ".";
        for (String qkv : new String[] {"query", "key", "value"}) {
          expected.put(l + "attention.self." + qkv + ".weight", List.of(8L, 8L));
          expected.put(l + "attention.self." + qkv + ".bias", List.of(8L));
        }
        expected.put(l + "attention.output.dense.weight", List.of(8L, 8L));
        expected.put(l + "attention.output.dense.bias", List.of(8L));
        expected.put(l + "attention.output.LayerNorm.weight", List.of(8L));
        expected.put(l + "attention.output.LayerNorm.bias", List.of(8L));
        expected.put(l + "intermediate.dense.weight", List.of(16L, 8L));
        expected.put(l + "intermediate.dense.bias", List.of(16L));
        expected.put(l + "output.dense.weight", List.of(8L, 16L));
        expected.put(l + "output.dense.bias", List.of(8L));
        expected.put(l + "output.LayerNorm.weight", List.of(8L));
        expected.put(l + "output.LayerNorm.bias", List.of(8L));
      }
      expected.put("pooler.dense.weight", List.of(8L, 8L));
      expected.put("pooler.dense.bias", List.of(8L));
      expected.put("classifier.weight", List.of(3L, 8L));
      expected.put("classifier.bias", List.of(3L));
      Map<String, List<Long>> actual = new LinkedHashMap<>();
      model.namedParameters().forEach((name, t) ->
          actual.put(name, Arrays.stream(t.shape()).boxed().toList()));
      assertThat(actual).containsExactlyEntriesOf(expected);
    }
  }

  @Test
  void namedParameters_meanPoolingEncoder_hasNoPoolerNorClassifier() {
    try (BertModel model = new BertModel(tiny(ModelType.BERT),
        new Options(false, Pooling.MEAN, 0))) {
      assertThat(model.namedParameters().keySet())
          .noneMatch(n -> n.startsWith("pooler") || n.startsWith("classifier"));
      assertThat(model.namedParameters()).hasSize(5 + 2 * 16);
    }
  }

  /** The unpadded tokens' outputs must not depend on padding appended to the batch. */
  private static void checkPaddingInvariance(ModelType type) {
    long pad = tiny(type).padTokenId();
    try (PointerScope scope = new PointerScope();
        BertModel model = model(type, Options.encoder())) {
      long[] sentence = {2, 9, 4, 13, 3};
      Tensor alone = model.forward(TokenBatch.of(new long[][] {sentence},
          new long[][] {{1, 1, 1, 1, 1}}, new long[][] {{0, 0, 0, 0, 0}}));
      Tensor batch = model.forward(TokenBatch.of(
          new long[][] {{5, 6, 7, 8, 9, 10, 11, 12}, {2, 9, 4, 13, 3, pad, pad, pad}},
          new long[][] {{1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 0, 0, 0}}));
      Tensor padded = batch.select(0, 1).narrow(0, 0, 5).unsqueeze(0); // (1, 5, d)
      assertThat(maxAbsDiff(padded, alone)).isLessThan(1e-5);
      assertThat(maxAbsDiff(batch.select(0, 0).narrow(0, 0, 5), alone.select(0, 0)))
          .isGreaterThan(1e-2); // a different sentence gives different outputs
    }
  }

  @Test
  void forward_bert_paddingDoesNotChangeUnpaddedTokens() {
    checkPaddingInvariance(ModelType.BERT);
  }

  @Test
  void forward_roberta_paddingDoesNotChangeUnpaddedTokens() {
    checkPaddingInvariance(ModelType.ROBERTA);
  }

  @Test
  void positionIds_roberta_countFromPadPlusOneAndSkipPadding() {
    try (PointerScope scope = new PointerScope()) {
      Tensor ids = Tensor.create(new long[] {0, 5, 7, 2, 1, 1, 0, 9, 1, 1, 1, 1}, 2, 6);
      // Hugging Face: cumsum(ids != pad) * (ids != pad) + pad, with pad = 1
      assertThat(longValues(BertModel.positionIds(ids, tiny(ModelType.ROBERTA))))
          .containsExactly(2, 3, 4, 5, 1, 1, 2, 3, 1, 1, 1, 1);
    }
  }

  @Test
  void positionIds_bert_countFromZeroInEveryRow() {
    try (PointerScope scope = new PointerScope()) {
      Tensor ids = Tensor.create(new long[] {4, 5, 6, 0, 7, 8, 0, 0}, 2, 4);
      assertThat(longValues(BertModel.positionIds(ids, tiny(ModelType.BERT))))
          .containsExactly(0, 1, 2, 3, 0, 1, 2, 3);
    }
  }

  private static final long[][] IDS = {{2, 9, 4, 13, 3}, {2, 11, 3, 0, 0}};
  private static final long[][] MASK = {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}};

  @Test
  void pool_mean_averagesUnpaddedTokens() {
    try (PointerScope scope = new PointerScope();
        BertModel model = model(ModelType.BERT, new Options(false, Pooling.MEAN, 0))) {
      TokenBatch batch = TokenBatch.of(IDS, MASK);
      float[] h = values(model.forward(batch)); // (2, 5, d)
      float[] expected = new float[2 * D];
      for (int b = 0; b < 2; b++) {
        int tokens = (int) Arrays.stream(MASK[b]).sum();
        for (int t = 0; t < tokens; t++) {
          for (int j = 0; j < D; j++) {
            expected[b * D + j] += h[(b * 5 + t) * D + j] / tokens;
          }
        }
      }
      Tensor pooled = model.pool(model.forward(batch), batch.attentionMask());
      assertThat(pooled.shape()).containsExactly(2, D);
      assertThat(maxAbsDiff(values(pooled), expected)).isLessThan(1e-5);
    }
  }

  @Test
  void pool_clsWithPooler_isTanhOfDenseOfFirstToken() {
    try (PointerScope scope = new PointerScope();
        BertModel model = model(ModelType.BERT, Options.encoder())) {
      TokenBatch batch = TokenBatch.of(IDS, MASK);
      float[] h = values(model.forward(batch));
      float[] w = values(model.namedParameters().get("pooler.dense.weight"));
      float[] bias = values(model.namedParameters().get("pooler.dense.bias"));
      float[] expected = new float[2 * D];
      for (int b = 0; b < 2; b++) {
        for (int o = 0; o < D; o++) {
          double s = bias[o];
          for (int j = 0; j < D; j++) {
            s += w[o * D + j] * h[b * 5 * D + j];
          }
          expected[b * D + o] = (float) Math.tanh(s);
        }
      }
      assertThat(maxAbsDiff(values(model.pool(model.forward(batch), batch.attentionMask())),
          expected)).isLessThan(1e-5);
    }
  }

  @Test
  void pool_clsWithoutPooler_isFirstTokenState() {
    try (PointerScope scope = new PointerScope();
        BertModel model = model(ModelType.BERT, new Options(false, Pooling.CLS, 0))) {
      TokenBatch batch = TokenBatch.of(IDS, MASK);
      Tensor h = model.forward(batch);
      assertThat(maxAbsDiff(model.pool(h, batch.attentionMask()), h.select(1, 0))).isZero();
    }
  }

  @Test
  void classify_roberta_isHuggingFacesHeadOverTheFirstToken() {
    try (PointerScope scope = new PointerScope();
        BertModel model = model(ModelType.ROBERTA, Options.sequenceClassification(3, Pooling.CLS))) {
      Map<String, Tensor> p = model.namedParameters();
      assertThat(p).containsKeys("classifier.dense.weight", "classifier.dense.bias",
          "classifier.out_proj.weight", "classifier.out_proj.bias")
          .doesNotContainKeys("pooler.dense.weight", "classifier.weight");
      TokenBatch batch = TokenBatch.of(IDS, MASK);
      float[] h = values(model.forward(batch));
      float[] w1 = values(p.get("classifier.dense.weight"));
      float[] b1 = values(p.get("classifier.dense.bias"));
      float[] w2 = values(p.get("classifier.out_proj.weight"));
      float[] b2 = values(p.get("classifier.out_proj.bias"));
      float[] expected = new float[2 * 3];
      for (int b = 0; b < 2; b++) {
        double[] hidden = new double[D];
        for (int o = 0; o < D; o++) {
          double s = b1[o];
          for (int j = 0; j < D; j++) {
            s += w1[o * D + j] * h[b * 5 * D + j];
          }
          hidden[o] = Math.tanh(s);
        }
        for (int k = 0; k < 3; k++) {
          double s = b2[k];
          for (int o = 0; o < D; o++) {
            s += w2[k * D + o] * hidden[o];
          }
          expected[b * 3 + k] = (float) s;
        }
      }
      assertThat(maxAbsDiff(values(model.classify(batch)), expected)).isLessThan(1e-5);
    }
  }

  @Test
  void classify_withoutClassifier_throws() {
    try (PointerScope scope = new PointerScope();
        BertModel model = model(ModelType.BERT, Options.encoder())) {
      assertThatThrownBy(() -> model.classify(TokenBatch.of(IDS, MASK)))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("sequenceClassification");
    }
  }

  @Test
  void forward_sequenceLongerThanPositionTable_throws() {
    try (PointerScope scope = new PointerScope();
        BertModel model = model(ModelType.ROBERTA, Options.encoder())) {
      long[][] ids = {new long[MAX_POS - 1]};
      long[][] mask = {new long[MAX_POS - 1]};
      assertThatThrownBy(() -> model.forward(TokenBatch.of(ids, mask)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("<= 14")
          .hasMessageContaining("15");
    }
  }

  /**
   * DP-BiTFiT on BERT: per-sample bias gradients from one tape (Σ over positions of dL/dz) equal
   * the gradients of one backward pass per example.
   */
  @Test
  void classify_biasOnlyTape_perSampleBiasGradientsEqualPerExampleAutograd() {
    try (BertModel model = model(ModelType.BERT, Options.sequenceClassification(3, Pooling.CLS))) {
      model.freeze((name, p) -> p.kind() != ParameterKind.BIAS && p.kind() != ParameterKind.NORM_BIAS);
      long[] labels = {2, 0};
      List<Parameter> biases = new ArrayList<>();
      model.parameters().values().stream().filter(Parameter::isTrainable).forEach(biases::add);
      float[][][] reference = new float[2][biases.size()][];
      for (int i = 0; i < 2; i++) {
        try (PointerScope scope = new PointerScope()) {
          Tensor logits = model.classify(TokenBatch.of(new long[][] {IDS[i]}, new long[][] {MASK[i]}));
          crossEntropySum(logits, Tensor.create(new long[] {labels[i]}, 1)).backward();
          for (int k = 0; k < biases.size(); k++) {
            reference[i][k] = values(biases.get(k).tensor().grad());
            biases.get(k).tensor().mutable_grad().reset();
          }
        }
      }
      try (PointerScope scope = new PointerScope(); Tape tape = Tape.start()) {
        Tensor logits = model.classify(TokenBatch.of(IDS, MASK));
        List<Tensor> grads = tape.outputGradients(
            crossEntropySum(logits, Tensor.create(labels, 2)));
        assertThat(tape.entries()).noneMatch(Tape.Entry::hasActivation);
        assertThat(tape.entries()).hasSize(biases.size()); // one entry per layer, one bias each
        for (int k = 0; k < grads.size(); k++) {
          Tensor g = grads.get(k);
          float[] perSample = values(g.reshape(2, -1, g.size(g.dim() - 1)).sum(1)); // (2, d_out)
          Parameter bias = tape.entries().get(k).layer().bias().orElseThrow();
          int n = (int) bias.tensor().numel();
          for (int i = 0; i < 2; i++) {
            float[] expected = reference[i][biases.indexOf(bias)];
            float[] mine = Arrays.copyOfRange(perSample, i * n, (i + 1) * n);
            assertThat(relativeToExample(mine, expected, reference[i])).isLessThan(1e-5);
          }
        }
      }
    }
  }

  /** Σ_i −log softmax(logits_i)[y_i]. */
  private static Tensor crossEntropySum(Tensor logits, Tensor labels) {
    return torch.nll_loss(torch.log_softmax(logits, 1), labels, new TensorOptional(), 2, -100);
  }

  /** max |mine − expected| relative to the largest entry of the example's whole gradient. */
  private static double relativeToExample(float[] mine, float[] expected, float[][] example) {
    double scale = 0;
    for (float[] a : example) {
      for (float v : a) {
        scale = Math.max(scale, Math.abs(v));
      }
    }
    return maxAbsDiff(mine, expected) / scale;
  }
}
