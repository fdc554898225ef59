package io.dpft.core.models;

import io.dpft.core.io.SafetensorsWriter;
import io.dpft.core.models.BertConfig.ModelType;
import io.dpft.core.models.BertModel.Options;
import io.dpft.core.nn.Activation;
import io.dpft.core.nn.ParameterKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** A 2-layer, 8-wide BERT classifier (vocab 23) for tests, in eval mode, deterministic. */
public final class TinyBert {
  public static final int VOCAB = 23;

  /** The Hugging Face config.json of {@link #classifier}'s encoder. */
  public static final String CONFIG_JSON =
      "{\"model_type\":\"bert\",\"vocab_size\":23,\"hidden_size\":8,\"num_hidden_layers\":2,"
          + "\"num_attention_heads\":2,\"intermediate_size\":16,\"hidden_act\":\"gelu\","
          + "\"hidden_dropout_prob\":0.0,\"attention_probs_dropout_prob\":0.0,"
          + "\"max_position_embeddings\":16,\"type_vocab_size\":2,\"pad_token_id\":0}";

  /**
   * Saves {@code model}'s encoder as a Hugging Face task checkpoint does (names under
   * {@code bert.}, no classifier), skipping parameters that {@code skip} matches.
   */
  public static void saveEncoder(Path dir, BertModel model, Predicate<String> skip)
      throws IOException {
    Files.writeString(dir.resolve("config.json"), CONFIG_JSON);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    model.namedParameters().forEach((name, t) -> {
      if (!name.startsWith("classifier.") && !skip.test(name)) {
        tensors.put("bert." + name, t);
      }
    });
    SafetensorsWriter.writeTensors(dir.resolve("model.safetensors"), tensors, Map.of());
  }

  private TinyBert() {}

  /** Non-zero biases (so bias-only training sees real gradients), no dropout. */
  public static BertModel classifier(int labels, BertModel.Pooling pooling) {
    torch.manual_seed(3);
    BertConfig config =
        new BertConfig(
            ModelType.BERT, VOCAB, 8, 2, 2, 16, Activation.GELU, 0.0, 0.0, 16, 2, 1e-12, 0);
    BertModel model = new BertModel(config, Options.sequenceClassification(labels, pooling));
    model.parameters().values().forEach(p -> {
      if (p.kind() == ParameterKind.BIAS || p.kind() == ParameterKind.NORM_BIAS) {
        p.tensor().detach().copy_(torch.randn(p.shape()).mul(new Scalar(0.5)));
      }
    });
    model.eval();
    return model;
  }
}
