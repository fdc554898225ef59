package io.dpft.core.nn;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/**
 * A learned tensor added to its input and broadcast over the batch, {@code z = x + P}: ViT's
 * {@code position_embeddings} {@code (1, N+1, d)}, or its {@code cls_token} {@code (1, 1, d)}
 * added to zeros before being prepended. {@code P} is named by this layer's own path, so it loads
 * under the Hugging Face name.
 *
 * <p>{@code P} is this layer's weight, but its per-sample gradient needs no activation: it is
 * {@code g_i} summed to {@code P}'s shape, so the tape records the output only.
 */
public class AddedParameter extends DpLayer {
  /** {@code P} of the given shape (leading 1 for the batch), kind {@code kind}, ~ N(0, 0.02²). */
  public AddedParameter(ParameterKind kind, long... shape) {
    super("", Parameter.normal(kind, Init.STD, checkShape(shape)), null, null);
  }

  private static long[] checkShape(long[] shape) {
    if (shape.length == 0 || shape[0] != 1) {
      throw new IllegalArgumentException(
          "shape must start with a batch dimension of 1, got " + Arrays.toString(shape));
    }
    Arrays.stream(shape).forEach(n -> Init.positive("every dimension", n));
    return shape;
  }

  /** {@code (B, ...) -> (B, ...)}: {@code x + P}. */
  public Tensor forward(Tensor x) {
    Tape tape = recordingTape();
    return record(tape, x.add(weight().tensor()), null);
  }
}
