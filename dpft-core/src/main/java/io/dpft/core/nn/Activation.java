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
  GELU(List.of("gelu"), x -> torch.gelu(x, "none")),
  /**
   * The tanh approximation {@code x/2 (1 + tanh(√(2/π)(x + 0.044715 x³)))} used by GPT-2 and
   * BERT's original code.
   */
  GELU_TANH(List.of("gelu_new", "gelu_pytorch_tanh", "gelu_fast"), x -> torch.gelu(x, "tanh")),
  RELU(List.of("relu"), torch::relu),
  TANH(List.of("tanh"), torch::tanh);

  private final List<String> hfNames;
  private final UnaryOperator<Tensor> function;

  Activation(List<String> hfNames, UnaryOperator<Tensor> function) {
    this.hfNames = hfNames;
    this.function = function;
  }

  public Tensor apply(Tensor x) {
    return function.apply(x);
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
