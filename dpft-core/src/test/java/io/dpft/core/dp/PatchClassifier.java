package io.dpft.core.dp;

import io.dpft.core.nn.Conv2d;
import io.dpft.core.nn.LayerNorm;
import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Module;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * A tiny image classifier made of every DP-aware layer kind but Embedding: Conv2d patch
 * embedding (kernel = stride = 4) on 3×8×8 images, LayerNorm, mean over patches, linear head.
 */
public final class PatchClassifier extends Module {
  private final Conv2d patches = registerModule("patch", new Conv2d(3, 6, 4, 4, true));
  private final LayerNorm norm = registerModule("norm", new LayerNorm(6, 1e-6));
  private final Linear head;

  public PatchClassifier(int labels) {
    head = registerModule("head", new Linear(6, labels, true));
  }

  /** Logits (B, labels) for images (B, 3, 8, 8). */
  public Tensor forward(Tensor images) {
    Tensor x = patches.forward(images).flatten(2, -1).transpose(1, 2); // (B, L, 6)
    x = norm.forward(x).tanh().mean(new long[] {1}, false, new ScalarTypeOptional()); // (B, 6)
    return head.forward(x);
  }
}
