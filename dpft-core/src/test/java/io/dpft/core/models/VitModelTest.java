package io.dpft.core.models;

import static io.dpft.core.models.ReferenceCheckpoints.VIT;
import static io.dpft.core.models.ReferenceCheckpoints.expected;
import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** ViT against the independent PyTorch reference ({@link ReferenceCheckpoints}). */
class VitModelTest {
  /** Float32 here against float64 in the reference. */
  private static final double TOLERANCE = 1e-4;

  @Test
  void namedParameters_tinyConfig_matchHuggingFaceNamesAndShapes() throws IOException {
    VitConfig config = VitConfig.read(ReferenceCheckpoints.directory(VIT).resolve("config.json"));
    try (VitModel model = new VitModel(config, config.numLabels())) {
      Map<String, List<Long>> expected = new LinkedHashMap<>();
      expected.put("vit.embeddings.cls_token", List.of(1L, 1L, 32L));
      expected.put("vit.embeddings.position_embeddings", List.of(1L, 17L, 32L));
      expected.put("vit.embeddings.patch_embeddings.projection.weight", List.of(32L, 3L, 4L, 4L));
      expected.put("vit.embeddings.patch_embeddings.projection.bias", List.of(32L));
      for (int i = 0; i < 2; i++) {
        String l = "vit.encoder.layer." + i + ".";
        expected.put(l + "layernorm_before.weight", List.of(32L));
        expected.put(l + "layernorm_before.bias", List.of(32L));
        for (String qkv : new String[] {"query", "key", "value"}) {
          expected.put(l + "attention.attention." + qkv + ".weight", List.of(32L, 32L));
          expected.put(l + "attention.attention." + qkv + ".bias", List.of(32L));
        }
        expected.put(l + "attention.output.dense.weight", List.of(32L, 32L));
        expected.put(l + "attention.output.dense.bias", List.of(32L));
        expected.put(l + "layernorm_after.weight", List.of(32L));
        expected.put(l + "layernorm_after.bias", List.of(32L));
        expected.put(l + "intermediate.dense.weight", List.of(37L, 32L));
        expected.put(l + "intermediate.dense.bias", List.of(37L));
        expected.put(l + "output.dense.weight", List.of(32L, 37L));
        expected.put(l + "output.dense.bias", List.of(32L));
      }
      expected.put("vit.layernorm.weight", List.of(32L));
      expected.put("vit.layernorm.bias", List.of(32L));
      expected.put("classifier.weight", List.of(5L, 32L));
      expected.put("classifier.bias", List.of(5L));
      assertThat(ParameterShapes.of(model)).containsExactlyEntriesOf(expected);
    }
  }

  @Test
  void forward_referenceImages_matchesPyTorch() throws IOException {
    try (PointerScope scope = new PointerScope(); VitModel model = ReferenceCheckpoints.vit();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor pixels = expected(VIT, "pixel_values");
      assertThat(maxAbsDiff(model.forward(pixels), expected(VIT, "last_hidden_state")))
          .isLessThanOrEqualTo(TOLERANCE);
      assertThat(maxAbsDiff(model.classify(pixels), expected(VIT, "logits")))
          .isLessThanOrEqualTo(TOLERANCE);
    }
  }

  @Test
  void forward_imageAlone_equalsImageInBatch() throws IOException {
    try (PointerScope scope = new PointerScope(); VitModel model = ReferenceCheckpoints.vit();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor pixels = expected(VIT, "pixel_values");
      Tensor batch = model.forward(pixels);
      Tensor second = model.forward(pixels.narrow(0, 1, 1));
      assertThat(maxAbsDiff(second.select(0, 0), batch.select(0, 1))).isLessThan(1e-5);
      assertThat(maxAbsDiff(batch.select(0, 0), batch.select(0, 1))).isGreaterThan(1e-2);
    }
  }

  @Test
  void forward_wrongImageSize_throwsNamingExpectedShape() throws IOException {
    try (PointerScope scope = new PointerScope(); VitModel model = ReferenceCheckpoints.vit()) {
      Tensor pixels = torch.zeros(2, 3, 32, 32);
      assertThatThrownBy(() -> model.forward(pixels))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("(batch, 3, 16, 16)").hasMessageContaining("[2, 3, 32, 32]");
    }
  }

  @Test
  void classify_withoutClassifier_throws() throws IOException {
    VitConfig config = VitConfig.read(ReferenceCheckpoints.directory(VIT).resolve("config.json"));
    try (PointerScope scope = new PointerScope(); VitModel model = new VitModel(config, 0)) {
      assertThat(model.namedParameters().keySet()).noneMatch(n -> n.startsWith("classifier"));
      assertThatThrownBy(() -> model.classify(torch.zeros(1, 3, 16, 16)))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("numLabels");
    }
  }
}
