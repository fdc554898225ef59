package io.dpft.core.models;

import io.dpft.core.nn.Module;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A model's parameter names and shapes in registration order, to compare with a checkpoint's. */
final class ParameterShapes {
  private ParameterShapes() {}

  static Map<String, List<Long>> of(Module model) {
    Map<String, List<Long>> shapes = new LinkedHashMap<>();
    model.namedParameters().forEach((name, t) ->
        shapes.put(name, Arrays.stream(t.shape()).boxed().toList()));
    return shapes;
  }
}
