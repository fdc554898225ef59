package io.dpft.core.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dpft.privacy.noise.SecureGaussian;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class GaussianMechanismTest {

  @Test
  void zeroNoise_dividesTheClippedSumByTheExpectedBatchSize() {
    try (PointerScope scope = new PointerScope()) {
      Tensor sum = torch.tensor(new float[] {1, -2, 6});
      Tensor g = GaussianMechanism.privatize(List.of(sum), 0, 4, null).get(0);
      assertThat(g.sub(torch.tensor(new float[] {0.25f, -0.5f, 1.5f})).abs().max().item_double())
          .isZero();
      assertThat(sum.get(2).item_double()).isEqualTo(6); // input untouched
    }
  }

  @Test
  void seededNoise_isReproducible() {
    try (PointerScope scope = new PointerScope()) {
      List<Tensor> sums = List.of(torch.zeros(3, 5), torch.ones(GaussianMechanism.SLICE + 7));
      List<Tensor> a =
          GaussianMechanism.privatize(sums, 1.5, 2, SecureGaussian.seededForReproducibility(9));
      List<Tensor> b =
          GaussianMechanism.privatize(sums, 1.5, 2, SecureGaussian.seededForReproducibility(9));
      for (int k = 0; k < sums.size(); k++) {
        assertThat(a.get(k).equal(b.get(k))).isTrue();
      }
    }
  }

  /**
   * Secure noise is drawn in parallel slices: every slice must have mean clippedSum/n and std
   * σC/n, and neighbouring slices must be uncorrelated (independent keys). With n draws per slice,
   * the sample std has relative standard error 1/√(2n) and the sample correlation 1/√n; bounds of
   * Z = 5 standard errors fail by chance with probability below 1e-6 each (8 checks).
   */
  @Test
  @Tag("statistical")
  void secureNoise_everySliceHasTheStdAndSlicesAreIndependent() {
    final double z = 5.0;
    double std = 0.8;
    double n = 4;
    int slices = 3;
    try (PointerScope scope = new PointerScope()) {
      Tensor sum = torch.full(new long[] {(long) slices * GaussianMechanism.SLICE}, new Scalar(2.0));
      Tensor g = GaussianMechanism.privatize(List.of(sum), std, n, SecureGaussian.secure()).get(0);
      Tensor noise = g.mul(new Scalar(n)).sub(sum).reshape(slices, GaussianMechanism.SLICE);
      double perSlice = GaussianMechanism.SLICE;
      for (int s = 0; s < slices; s++) {
        Tensor slice = noise.get(s);
        assertThat(slice.std().item_double())
            .isCloseTo(std, within(z * std / Math.sqrt(2 * perSlice)));
        assertThat(slice.mean().item_double()).isCloseTo(0, within(z * std / Math.sqrt(perSlice)));
      }
      for (int s = 0; s + 1 < slices; s++) {
        double r =
            noise.get(s).mul(noise.get(s + 1)).mean().item_double() / (std * std);
        assertThat(r).isCloseTo(0, within(z / Math.sqrt(perSlice)));
      }
    }
  }
}
