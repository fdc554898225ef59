package io.dpft.core.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The long-lived buffers of an optimizer: per kind (e.g. {@code "exp_avg"}), one zero-initialised
 * tensor per parameter, named {@code kind.index}. They outlive every step scope: each is retained
 * on creation and freed in {@link #close()}.
 */
final class OptimizerState implements AutoCloseable {
  private final List<Tensor> parameters;
  private final Map<String, Tensor> buffers = new LinkedHashMap<>();
  private long steps;

  OptimizerState(List<Tensor> parameters, String... kinds) {
    if (parameters.isEmpty()) {
      throw new IllegalArgumentException("an optimizer needs at least one parameter");
    }
    this.parameters = List.copyOf(parameters);
    try (NoGradGuard noGrad = new NoGradGuard()) {
      for (String kind : kinds) {
        for (int i = 0; i < parameters.size(); i++) {
          Tensor buffer = torch.zeros_like(parameters.get(i));
          buffer.retainReference();
          buffers.put(kind + "." + i, buffer);
        }
      }
    }
  }

  List<Tensor> parameters() {
    return parameters;
  }

  Tensor buffer(String kind, int index) {
    return buffers.get(kind + "." + index);
  }

  /** Checks the gradient list lines up with the parameters. */
  void checkGradients(List<Tensor> gradients) {
    if (gradients.size() != parameters.size()) {
      throw new IllegalArgumentException(
          "expected " + parameters.size() + " gradients, got " + gradients.size());
    }
  }

  long steps() {
    return steps;
  }

  void advance() {
    steps++;
  }

  Map<String, Tensor> asMap() {
    return Collections.unmodifiableMap(buffers);
  }

  void load(Map<String, Tensor> state, long restoredSteps) {
    List<String> missing = new ArrayList<>();
    for (String name : buffers.keySet()) {
      if (!state.containsKey(name)) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty() || state.size() != buffers.size()) {
      throw new IllegalArgumentException(
          "optimizer state does not match: missing " + missing + ", given " + state.keySet());
    }
    try (NoGradGuard noGrad = new NoGradGuard()) {
      buffers.forEach((name, buffer) -> buffer.copy_(state.get(name)));
    }
    steps = restoredSteps;
  }

  @Override
  public void close() {
    buffers.values().forEach(Tensor::close);
    buffers.clear();
  }
}
