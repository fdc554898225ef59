package io.dpft.core.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class ClippingTest {
  private static final float[] NORMS = {0f, 0.5f, 1f, 2f, 40f};
  private static final double C = 1.0;

  @Test
  void abadi_isMinOfOneAndThresholdOverNorm() {
    double[] expected = {1, 1, 1, 0.5, 1.0 / 40};
    assertThat(factors(new Clipping.Abadi())).containsExactly(expected, within(1e-7));
    for (int i = 0; i < NORMS.length; i++) {
      assertThat(new Clipping.Abadi().clipFactor(NORMS[i], C)).isCloseTo(expected[i], within(1e-12));
    }
  }

  @Test
  void automatic_isThresholdOverNormPlusGamma() {
    Clipping.Automatic automatic = new Clipping.Automatic(0.01);
    double[] expected = new double[NORMS.length];
    for (int i = 0; i < NORMS.length; i++) {
      expected[i] = C / (NORMS[i] + 0.01);
    }
    assertThat(factors(automatic)).containsExactly(expected, within(1e-4));
  }

  @Test
  void clippedNorms_neverExceedTheThreshold() {
    for (Clipping clipping : new Clipping[] {new Clipping.Abadi(), new Clipping.Automatic()}) {
      double[] f = factors(clipping);
      for (int i = 0; i < NORMS.length; i++) {
        assertThat(f[i] * NORMS[i]).isLessThanOrEqualTo(C * (1 + 1e-6));
      }
    }
  }

  @Test
  void automatic_nonPositiveGamma_throws() {
    assertThatThrownBy(() -> new Clipping.Automatic(0)).hasMessageContaining("gamma must be > 0");
  }

  @Test
  void groupWise_sensitivityIsRootSumOfSquaredThresholds() {
    ClippingStyle.GroupWise style =
        new ClippingStyle.GroupWise(
            java.util.List.of(
                ClippingStyle.ParameterGroup.of("attention", "attention", 3),
                ClippingStyle.ParameterGroup.of("rest", ".", 4)));
    assertThat(style.sensitivity()).isCloseTo(5, within(1e-12));
    assertThat(style.groupOf("encoder.layer.0.attention.self.query.bias")).isZero();
    assertThat(style.groupOf("classifier.bias")).isEqualTo(1);
    assertThat(new ClippingStyle.LayerWise(2).perLayerThreshold(4)).isCloseTo(1, within(1e-12));
  }

  private static double[] factors(Clipping clipping) {
    try (PointerScope scope = new PointerScope()) {
      Tensor f = clipping.clipFactors(torch.tensor(NORMS), C);
      float[] out = new float[NORMS.length];
      f.contiguous().data_ptr_float().get(out);
      double[] d = new double[out.length];
      for (int i = 0; i < out.length; i++) {
        d[i] = out[i];
      }
      return d;
    }
  }
}
