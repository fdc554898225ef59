package io.dpft.core.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.models.BertModel;
import io.dpft.core.models.TinyBert;
import io.dpft.core.models.TokenBatch;
import io.dpft.core.nn.LadderSideNetwork;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class FineTuningMethodTest {

  @Test
  void recorded_rebuildsEachMethodFromItsNameAndSettings() {
    for (FineTuningMethod method : new FineTuningMethod[] {
        new FineTuningMethod.Full(),
        new FineTuningMethod.BitFit(false),
        new FineTuningMethod.LastLayer(),
        new FineTuningMethod.TwoPhase(
            new FineTuningMethod.LastLayer(), 2.5, new FineTuningMethod.BitFit(false)),
        new FineTuningMethod.SideNetwork(4)}) {
      assertThat(FineTuningMethod.recorded(method.cliName(), method.settings())).isEqualTo(method);
    }
  }

  @Test
  void recorded_withoutSettings_takesTheDefaults() {
    assertThat(FineTuningMethod.recorded("two-phase", Map.of()))
        .isEqualTo(FineTuningMethod.parse("two-phase", 1, "full"));
    assertThat(FineTuningMethod.recorded("side", Map.of()))
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
}
