package io.dpft.core.dp;

import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * A linear classifier on the flattened pixels of 3×8×8 images: 192 inputs, enough to fit the
 * labels of about as many images whatever they are, so that it memorizes what it trains on.
 */
public final class LinearProbe extends Module {
  private final Linear head;

  public LinearProbe(int labels) {
    head = registerModule("head", new Linear(3 * 8 * 8, labels, true));
  }

  /** Logits (B, labels) for images (B, 3, 8, 8). */
  public Tensor forward(Tensor images) {
    return head.forward(images.flatten(1, -1));
  }
}
