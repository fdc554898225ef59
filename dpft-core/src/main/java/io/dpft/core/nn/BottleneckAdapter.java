package io.dpft.core.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * A Houlsby adapter (Houlsby et al., "Parameter-Efficient Transfer Learning for NLP", ICML 2019):
 * {@code x + up(ReLU(down(x)))}, {@code (B, ..., d) -> (B, ..., d)}, with {@code down} a
 * {@code d -> m} and {@code up} an {@code m -> d} {@link Linear} (both with bias), so that the DP
 * engine clips its parameters with the rules of any linear layer.
 *
 * <p>{@code up} starts at zero, so a freshly added adapter is the identity and training starts at
 * the pretrained function.
 */
public final class BottleneckAdapter extends Module {
  private final Linear down;
  private final Linear up;

  /** An adapter of width {@code size} over {@code hiddenSize} features. */
  public BottleneckAdapter(int hiddenSize, int size) {
    Init.positive("hiddenSize", hiddenSize);
    Init.positive("adapter size", size);
    down = registerModule("down", new Linear(hiddenSize, size, true));
    up = registerModule("up", new Linear(
        Parameter.filled(ParameterKind.WEIGHT, 0, hiddenSize, size),
        Parameter.filled(ParameterKind.BIAS, 0, hiddenSize), WeightLayout.OUT_IN));
  }

  /** {@code x + up(ReLU(down(x)))}. */
  public Tensor forward(Tensor x) {
    return x.add(up.forward(down.forward(x, Activation.RELU)));
  }
}
