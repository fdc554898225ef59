package io.dpft.core.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.models.BertModel;
import io.dpft.core.models.Gpt2Config;
import io.dpft.core.models.Gpt2Model;
import io.dpft.core.models.TinyBert;
import io.dpft.core.models.TokenBatch;
import io.dpft.core.nn.Activation;
import io.dpft.core.nn.LadderSideNetwork;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class FineTuningMethodTest {

  @Test
  void of_rebuildsEachMethodFromItsNameAndSettings() {
    for (FineTuningMethod method : new FineTuningMethod[] {
        new FineTuningMethod.Full(),
        new FineTuningMethod.BitFit(false),
        new FineTuningMethod.LastLayer(),
        new FineTuningMethod.TwoPhase(
            new FineTuningMethod.LastLayer(), 2.5, new FineTuningMethod.BitFit(false)),
        new FineTuningMethod.Adapter(16),
        new FineTuningMethod.Reversible(8, 0.25),
        new FineTuningMethod.SideNetwork(4)}) {
      assertThat(FineTuningMethod.of(method.cliName(), method.settings())).isEqualTo(method);
    }
  }

  @Test
  void of_withoutSettings_takesTheDefaults() {
    assertThat(FineTuningMethod.of("two-phase", Map.of()))
        .isEqualTo(new FineTuningMethod.TwoPhase(new FineTuningMethod.Full(), 1, new FineTuningMethod.BitFit(false)));
    assertThat(FineTuningMethod.of("side", Map.of()))
        .isEqualTo(new FineTuningMethod.SideNetwork(LadderSideNetwork.DEFAULT_REDUCTION));
  }

  @Test
  void sideNetwork_trainsOnlyTheSideNetworkAndTheHead() {
    try (PointerScope scope = new PointerScope();
        BertModel model = TinyBert.classifier(2, BertModel.Pooling.CLS)) {
      FineTuningMethod side = new FineTuningMethod.SideNetwork(2);
      assertThatThrownBy(() -> side.apply(model, BertModel.HEAD))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("extend");
      side.extend(model);
      side.apply(model, BertModel.HEAD);
      model.parameters().forEach((name, p) -> assertThat(p.isTrainable()).as(name)
          .isEqualTo(name.startsWith("side.") || name.startsWith("classifier")));
      assertThat(model.parameters()).containsKeys("side.down.0.weight", "side.down.2.weight",
          "side.layer.1.attention.self.query.weight", "side.gate.1.alpha", "side.up.weight");
      assertThat(model.parameters().get("side.layer.0.intermediate.dense.weight").shape())
          .containsExactly(8, 4); // d_s = 8 / 2, MLP 16 / 2
      assertThatThrownBy(() -> side.extend(model)).isInstanceOf(IllegalStateException.class);
    }
    try (BertModel model = TinyBert.classifier(2, BertModel.Pooling.CLS)) {
      assertThatThrownBy(() -> new FineTuningMethod.SideNetwork(3).extend(model))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("must divide the hidden size 8");
    }
  }

  /** The side network starts at zero output: the model starts as exactly the pretrained one. */
  @Test
  void sideNetwork_leavesThePretrainedOutputsUntilItTrains() {
    try (PointerScope scope = new PointerScope();
        BertModel model = TinyBert.classifier(2, BertModel.Pooling.MEAN)) {
      TokenBatch batch = TokenBatch.of(new long[][] {{2, 5, 7, 3}}, new long[][] {{1, 1, 1, 0}});
      Tensor before = model.classify(batch);
      new FineTuningMethod.SideNetwork(2).extend(model);
      assertThat(model.classify(batch).allclose(before)).isTrue();
    }
  }

  @Test
  void adapter_recordsItsSize() {
    FineTuningMethod adapter = new FineTuningMethod.Adapter(16);
    assertThat(adapter.settings()).containsEntry("adapter_size", "16");
    assertThat(FineTuningMethod.of("adapter", adapter.settings())).isEqualTo(adapter);
    assertThat(FineTuningMethod.of("adapter", Map.of()))
        .isEqualTo(new FineTuningMethod.Adapter(FineTuningMethod.Adapter.DEFAULT_SIZE));
    assertThatThrownBy(() -> new FineTuningMethod.Adapter(0))
        .hasMessageContaining("adapter size must be >= 1");
  }

  /** Adapters after attention and MLP of every block; they and the head train; the function is unchanged. */
  @Test
  void adapter_onBert_addsTwoAdaptersPerBlock_trainsThemAndTheHead_startsAtThePretrainedFunction() {
    try (PointerScope scope = new PointerScope();
        BertModel model = TinyBert.classifier(3, BertModel.Pooling.CLS)) {
      TokenBatch batch = TokenBatch.of(new long[][] {{2, 5, 7, 3}}, new long[][] {{1, 1, 1, 1}});
      Tensor before = model.classify(batch);
      FineTuningMethod method = new FineTuningMethod.Adapter(4);
      method.extend(model);
      method.apply(model, BertModel.HEAD);
      assertThat(model.classify(batch).sub(before).abs().max().item_double()).isZero();
      List<String> trainable = model.parameters().entrySet().stream()
          .filter(e -> e.getValue().isTrainable()).map(Map.Entry::getKey).toList();
      assertThat(trainable).contains(
          "encoder.layer.0.attention.output.adapter.down.weight",
          "encoder.layer.0.attention.output.adapter.up.bias",
          "encoder.layer.1.output.adapter.down.bias",
          "encoder.layer.1.output.adapter.up.weight",
          "classifier.weight");
      assertThat(trainable).allMatch(n -> n.contains(".adapter.") || n.startsWith("classifier"))
          .hasSize(2 * 2 * 4 + 2);
      assertThat(model.parameters().get("encoder.layer.0.output.adapter.down.weight").shape())
          .containsExactly(4, 8);
    }
  }

  @Test
  void adapter_onGpt2_namesTheAdaptersBesideTheProjections() {
    try (PointerScope scope = new PointerScope();
        Gpt2Model model = new Gpt2Model(
            new Gpt2Config(30, 16, 8, 1, 2, 32, Activation.GELU_TANH, 0, 0, 0, 1e-5, 0, 0))) {
      new FineTuningMethod.Adapter(4).extend(model);
      assertThat(model.parameters()).containsKeys(
          "transformer.h.0.attn.adapter.up.weight", "transformer.h.0.mlp.adapter.down.bias");
    }
  }

  /**
   * Reversible adapters on a BERT: they and the head train; at the start the first block is exact
   * and every later one is off by λ times the difference of the streams, so the logits move
   * towards the pretrained ones as λ shrinks (they cannot equal them: see docs/ARCHITECTURE.md).
   */
  @Test
  void reversible_onBert_trainsItsAdaptersAndTheHead_andStartsNearerThePretrainedModelAsLambdaShrinks() {
    TokenBatch batch = TokenBatch.of(new long[][] {{2, 5, 7, 3}}, new long[][] {{1, 1, 1, 1}});
    double[] differences = new double[3];
    double[] lambdas = {0.1, 0.01, 0.001};
    for (int k = 0; k < lambdas.length; k++) {
      try (PointerScope scope = new PointerScope();
          BertModel model = TinyBert.classifier(3, BertModel.Pooling.CLS)) {
        Tensor before = model.classify(batch);
        FineTuningMethod method = new FineTuningMethod.Reversible(4, lambdas[k]);
        method.extend(model);
        method.apply(model, BertModel.HEAD);
        differences[k] = model.classify(batch).sub(before).abs().max().item_double();
        List<String> trainable = model.parameters().entrySet().stream()
            .filter(e -> e.getValue().isTrainable()).map(Map.Entry::getKey).toList();
        assertThat(trainable).contains("encoder.reversible.0.down.weight",
            "encoder.reversible.1.up.bias", "classifier.weight").hasSize(2 * 4 + 2);
      }
    }
    assertThat(differences[1]).isLessThan(differences[0] / 5);
    assertThat(differences[2]).isLessThan(differences[1] / 5);
  }

  @Test
  void reversible_refusesAModelThatIsNotBert() {
    try (PointerScope scope = new PointerScope();
        Gpt2Model model = new Gpt2Model(
            new Gpt2Config(30, 16, 8, 1, 2, 32, Activation.GELU_TANH, 0, 0, 0, 1e-5, 0, 0))) {
      assertThatThrownBy(() -> new FineTuningMethod.Reversible(4, 0.1).extend(model))
          .hasMessageContaining("BERT-style encoders only");
    }
  }
}
