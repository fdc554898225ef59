package io.dpft.core.nn;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A long-lived trainable tensor of a layer, tagged with its {@link ParameterKind}.
 *
 * <p>The tensor outlives every per-step {@link PointerScope}: the constructor retains a reference
 * and {@link #close()} releases it, so a parameter made inside a scope survives that scope.
 * Trainable means {@code requires_grad}: freezing a parameter removes its weight-gradient work from
 * every backward pass.
 */
public final class Parameter implements AutoCloseable {
  private final Tensor tensor;
  private final ParameterKind kind;
  private boolean closed;

  /** Takes shared ownership of {@code tensor} (a leaf tensor) and marks it trainable. */
  public Parameter(Tensor tensor, ParameterKind kind) {
    this.tensor = tensor.retainReference();
    this.kind = kind;
    tensor.set_requires_grad(true); // in-place: the returned alias is not ours to close
  }

  /** A parameter drawn from N(0, std²), the initialisation of Hugging Face transformers. */
  public static Parameter normal(ParameterKind kind, double std, long... shape) {
    try (PointerScope scope = new PointerScope()) {
      Tensor t = torch.randn(shape);
      t.mul_(new Scalar(std));
      return new Parameter(t, kind);
    }
  }

  /** A parameter with every entry equal to {@code value} (0 for biases, 1 for norm scales). */
  public static Parameter filled(ParameterKind kind, double value, long... shape) {
    try (PointerScope scope = new PointerScope()) {
      Tensor t = torch.empty(shape);
      t.fill_(new Scalar(value));
      return new Parameter(t, kind);
    }
  }

  /** The live tensor; weight loaders copy into it under a {@code NoGradGuard}. */
  public Tensor tensor() {
    checkOpen();
    return tensor;
  }

  public ParameterKind kind() {
    return kind;
  }

  public long[] shape() {
    return tensor().shape();
  }

  public boolean isTrainable() {
    return tensor().requires_grad();
  }

  public void setTrainable(boolean trainable) {
    tensor().set_requires_grad(trainable);
  }

  /** Releases this parameter's reference to the native tensor; idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      tensor.releaseReference();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("parameter (" + kind + ") is closed");
    }
  }
}
