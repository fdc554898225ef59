package io.dpft.core.models;

import static io.dpft.core.models.ReferenceCheckpoints.GPT2;
import static io.dpft.core.models.ReferenceCheckpoints.expected;
import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.io.SafetensorsReader;
import io.dpft.core.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loader against the independent PyTorch reference outputs of the tiny GPT-2 (see {@link
 * ReferenceCheckpoints}), with the checkpoint renamed as other Hugging Face exports name it.
 */
class PretrainedGpt2Test {
  private static final double TOLERANCE = 1e-4;

  /**
   * A copy of the reference model directory whose tensors are renamed by {@code rename} (null
   * drops a tensor), plus {@code extra} tensors, in the current scope.
   */
  private static Path copy(Path dir, UnaryOperator<String> rename, Map<String, Tensor> extra)
      throws IOException {
    Path source = ReferenceCheckpoints.directory(GPT2);
    Files.copy(source.resolve("config.json"), dir.resolve("config.json"));
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    try (SafetensorsReader reader = SafetensorsReader.open(source.resolve("model.safetensors"))) {
      for (String name : reader.names()) {
        String renamed = rename.apply(name);
        if (renamed != null) {
          tensors.put(renamed, reader.read(name));
        }
      }
    }
    tensors.putAll(extra);
    SafetensorsWriter.writeTensors(dir.resolve("model.safetensors"), tensors, Map.of());
    return dir;
  }

  private static void assertMatchesReference(Gpt2Model model) throws IOException {
    model.eval();
    try (NoGradGuard noGrad = new NoGradGuard()) {
      Tensor mask = expected(GPT2, "attention_mask");
      Tensor logits =
          model.logits(model.forward(new TokenBatch(expected(GPT2, "input_ids"), mask, null)));
      Tensor keep = mask.to(torch.ScalarType.Float).unsqueeze(2); // reference: 0 at padding
      assertThat(maxAbsDiff(logits.mul(keep), expected(GPT2, "logits")))
          .isLessThanOrEqualTo(TOLERANCE);
    }
  }

  @Test
  void load_lmHeadModelCheckpoint_matchesPyTorchLogits() throws IOException {
    try (PointerScope scope = new PointerScope();
        Gpt2Model model = PretrainedGpt2.load(ReferenceCheckpoints.directory(GPT2))) {
      assertMatchesReference(model);
    }
  }

  @Test
  void load_bareModelNamesWithStoredHeadAndBuffers_matchesPyTorchLogits(@TempDir Path dir)
      throws IOException {
    try (PointerScope scope = new PointerScope()) {
      Map<String, Tensor> extra = new LinkedHashMap<>();
      extra.put("lm_head.weight", torch.zeros(100, 32)); // tied: never read, so zeros are harmless
      extra.put("h.0.attn.bias", torch.ones(1, 1, 64, 64)); // the causal-mask buffer of old exports
      copy(dir, name -> name.substring("transformer.".length()), extra);
      try (Gpt2Model model = PretrainedGpt2.load(dir)) {
        assertMatchesReference(model);
      }
    }
  }

  @Test
  void load_missingTensor_namesItAndTheDirectory(@TempDir Path dir) throws IOException {
    try (PointerScope scope = new PointerScope()) {
      copy(dir, name -> name.equals("transformer.h.1.mlp.c_fc.bias") ? null : name, Map.of());
      assertThatThrownBy(() -> PretrainedGpt2.load(dir))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("transformer.h.1.mlp.c_fc.bias")
          .hasMessageContaining(dir.toString());
    }
  }

  @Test
  void load_configDisagreesWithTensorShape_namesTheTensorAndBothShapes(@TempDir Path dir)
      throws IOException {
    try (PointerScope scope = new PointerScope()) {
      copy(dir, name -> name, Map.of());
      Path config = dir.resolve("config.json");
      Files.writeString(
          config, Files.readString(config).replace("\"n_positions\": 64", "\"n_positions\": 32"));
      assertThatThrownBy(() -> PretrainedGpt2.load(dir))
          .hasMessageContaining("transformer.wpe.weight")
          .hasMessageContaining("[64, 32]")
          .hasMessageContaining("[32, 32]");
    }
  }

  @Test
  void load_notAModelDirectory_saysWhatIsMissing(@TempDir Path dir) {
    assertThatThrownBy(() -> PretrainedGpt2.load(dir))
        .hasMessageContaining("config.json is missing");
  }
}
