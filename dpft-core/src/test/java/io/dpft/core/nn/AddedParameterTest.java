package io.dpft.core.nn;

import static io.dpft.core.nn.TestTensors.floats;
import static io.dpft.core.nn.TestTensors.gaussian;
import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;

class AddedParameterTest {
  @Test
  void forward_addsParameterToEveryExample() {
    try (PointerScope scope = new PointerScope();
        AddedParameter added = new AddedParameter(ParameterKind.EMBEDDING, 1, 3, 2)) {
      float[] x = gaussian(new Random(1), 2 * 3 * 2);
      float[] p = values(added.weight().tensor());
      float[] expected = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        expected[i] = x[i] + p[i % 6];
      }
      assertThat(maxAbsDiff(values(added.forward(floats(x, 2, 3, 2))), expected)).isZero();
      assertThat(added.bias()).isEmpty();
      assertThat(added.weight().kind()).isEqualTo(ParameterKind.EMBEDDING);
    }
  }

  @Test
  void constructor_noLeadingBatchDimension_throws() {
    assertThatThrownBy(() -> new AddedParameter(ParameterKind.EMBEDDING, 3, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[3, 2]");
  }
}
