package io.dpft.core.nn;

import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Element-wise activations of transformer MLPs, with the names Hugging Face configs use
 * ({@code hidden_act}, {@code activation_function}).
 */
public enum Activation {
  /** Exact GELU {@code x Φ(x) = x/2 (1 + erf(x/√2))} (Hendrycks &amp; Gimpel, "GELUs", 2016). */
  GELU(List.of("gelu"), x -> torch.gelu(x, "none"), "gelu", "none"),
  /**
   * The tanh approximation {@code x/2 (1 + tanh(√(2/π)(x + 0.044715 x³)))} used by GPT-2 and
   * BERT's original code.
   */
  GELU_TANH(List.of("gelu_new", "gelu_pytorch_tanh", "gelu_fast"), x -> torch.gelu(x, "tanh"),
      "gelu", "tanh"),
  RELU(List.of("relu"), torch::relu, "relu", null),
  TANH(List.of("tanh"), torch::tanh, "tanh", null);

  private final List<String> hfNames;
  private final UnaryOperator<Tensor> function;
  private final String oneDnnName;
  private final String oneDnnAlgorithm;

  Activation(List<String> hfNames, UnaryOperator<Tensor> function, String oneDnnName,
      String oneDnnAlgorithm) {
    this.hfNames = hfNames;
    this.function = function;
    this.oneDnnName = oneDnnName;
    this.oneDnnAlgorithm = oneDnnAlgorithm;
  }

  public Tensor apply(Tensor x) {
    return function.apply(x);
  }

  /** The post-op name of {@code mkldnn::_linear_pointwise} ({@link OneDnnLinear}). */
  String oneDnnName() {
    return oneDnnName;
  }

  /** The post-op's {@code algorithm} argument ("none" or "tanh" for GELU), or null. */
  String oneDnnAlgorithm() {
    return oneDnnAlgorithm;
  }

  /**
   * The activation a Hugging Face config names.
   *
   * @throws IllegalArgumentException for a name not supported here, listing the supported ones
   */
  public static Activation fromHfName(String name) {
    for (Activation a : values()) {
      if (a.hfNames.contains(name)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unsupported activation '" + name + "'; supported: "
        + Arrays.stream(values()).flatMap(a -> a.hfNames.stream()).toList());
  }
}
