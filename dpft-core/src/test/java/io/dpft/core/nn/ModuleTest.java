package io.dpft.core.nn;

import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;

class ModuleTest {
  /** A block that files its layers under dotted paths, as BERT checkpoints do. */
  static final class Tree extends Module {
    final Linear dense;
    final LayerNorm norm;
    final Dropout dropout;

    Tree() {
      dense = registerModule("attention.output.dense", new Linear(3, 3, true));
      norm = registerModule("attention.output.LayerNorm", new LayerNorm(3, 1e-5));
      dropout = registerModule("dropout", new Dropout(0.5));
    }

    void register(String name, Module child) {
      registerModule(name, child);
    }
  }

  @Test
  void parameters_dottedChildPaths_giveCheckpointNamesInOrder() {
    try (Tree tree = new Tree()) {
      assertThat(tree.namedParameters()).containsOnlyKeys(
          "attention.output.dense.weight", "attention.output.dense.bias",
          "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias");
      assertThat(tree.parameters().keySet()).containsExactly(
          "attention.output.dense.weight", "attention.output.dense.bias",
          "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias");
      assertThat(tree.namedModules()).containsOnlyKeys("", "attention.output.dense",
          "attention.output.LayerNorm", "dropout");
    }
  }

  @Test
  void setPrecision_reachesDescendants_andModulesRegisteredLater() {
    try (Tree tree = new Tree()) {
      assertThat(tree.dense.precision()).isEqualTo(Precision.FP32);
      tree.setPrecision(Precision.BF16);
      assertThat(tree.namedModules().values())
          .allSatisfy(m -> assertThat(m.precision()).isEqualTo(Precision.BF16));
      Linear later = new Linear(3, 3, true);
      later.addLowRankUpdate(2, 4, 0);
      tree.register("added", later);
      assertThat(tree.namedModules().values())
          .allSatisfy(m -> assertThat(m.precision()).isEqualTo(Precision.BF16));
      tree.setPrecision(Precision.FP32);
      assertThat(later.namedModules().values())
          .allSatisfy(m -> assertThat(m.precision()).isEqualTo(Precision.FP32));
    }
  }

  @Test
  void registerModule_sameNameTwice_throws() {
    try (Tree tree = new Tree(); Linear other = new Linear(1, 1, false)) {
      assertThatThrownBy(() -> tree.register("dropout", other))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dropout");
    }
  }

  @Test
  void registerModule_malformedPath_throws() {
    try (Tree tree = new Tree(); Linear other = new Linear(1, 1, false)) {
      assertThatThrownBy(() -> tree.register("a..b", other))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a..b'");
    }
  }

  @Test
  void parameters_twoRegistrationsResolvingToSameName_throws() {
    try (Tree tree = new Tree(); Linear clash = new Linear(3, 3, true)) {
      tree.register("attention", new Module() {
        {
          registerModule("output.dense", clash);
        }
      });
      assertThatThrownBy(tree::parameters).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("attention.output.dense.weight");
    }
  }

  @Test
  void freezeAndUnfreeze_byPredicate_setRequiresGrad() {
    try (Tree tree = new Tree()) {
      tree.freeze((name, p) -> true);
      tree.unfreeze((name, p) -> p.kind() == ParameterKind.BIAS || p.kind() == ParameterKind.NORM_BIAS);
      assertThat(tree.dense.weight().isTrainable()).isFalse();
      assertThat(tree.dense.weight().tensor().requires_grad()).isFalse();
      assertThat(tree.norm.weight().isTrainable()).isFalse();
      assertThat(tree.dense.bias().orElseThrow().isTrainable()).isTrue();
      assertThat(tree.norm.bias().orElseThrow().isTrainable()).isTrue();
    }
  }

  @Test
  void parameters_tiedWeight_listedOnceUnderFirstName() {
    try (Tree tree = new Tree()) {
      Embedding wte = new Embedding(5, 3);
      tree.register("wte", wte);
      tree.register("lm_head", new Linear(wte.weight(), null, WeightLayout.OUT_IN));
      assertThat(tree.parameters()).containsKey("wte.weight").doesNotContainKey("lm_head.weight");
      assertThat(tree.parameters().get("wte.weight")).isSameAs(wte.weight());
    }
  }

  @Test
  void parameters_pathNamedParameter_takesItsModulePath() {
    try (Tree tree = new Tree()) {
      AddedParameter cls = new AddedParameter(ParameterKind.EMBEDDING, 1, 1, 3);
      tree.register("embeddings.cls_token", cls);
      assertThat(tree.parameters().get("embeddings.cls_token")).isSameAs(cls.weight());
      assertThat(cls.parameters()).containsOnlyKeys("");
    }
  }

  @Test
  void registerParameter_pathNamedBesideAnother_throws() {
    assertThatThrownBy(() -> new Module() {
      {
        registerParameter("", Parameter.filled(ParameterKind.BIAS, 0, 2));
        registerParameter("bias", Parameter.filled(ParameterKind.BIAS, 0, 2));
      }
    }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only parameter");
  }

  @Test
  void eval_reachesEveryDescendant() {
    try (Tree tree = new Tree()) {
      assertThat(tree.dropout.isTraining()).isTrue();
      tree.eval();
      assertThat(tree.isTraining()).isFalse();
      assertThat(tree.dropout.isTraining()).isFalse();
      tree.train(true);
      assertThat(tree.dense.isTraining()).isTrue();
    }
  }

  @Test
  void parameters_outliveThePointerScopeTheyWereMadeIn() {
    Linear linear;
    float[] before;
    try (PointerScope scope = new PointerScope()) {
      linear = new Linear(4, 2, true);
      before = values(linear.weight().tensor());
    }
    try (PointerScope scope = new PointerScope()) {
      assertThat(values(linear.weight().tensor())).containsExactly(before);
    } finally {
      linear.close();
    }
  }

  @Test
  void close_makesParametersUnusable_andIsIdempotent() {
    Tree tree = new Tree();
    tree.close();
    tree.close();
    assertThatThrownBy(() -> tree.dense.weight().tensor())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }
}
