package io.dpft.privacy.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.FloatBuffer;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class SecureGaussianTest {
  /** Two-sided standard-normal quantile for a false-failure probability of 1e-6 per check. */
  private static final double Z_ONE_IN_A_MILLION = 4.8916;

  /**
   * n = 10⁶ samples of N(0, 2.5²): the sample mean is within z·std/√n of 0, the sample variance
   * within z·std²·√(2/(n−1)) of std², and the share beyond ±3 std within z·√(p(1−p)/n) of p =
   * 2Φ(−3). Three checks at z = 4.8916: false-failure probability ≤ 3e-6.
   */
  @Test
  @Tag("statistical")
  void samples_haveTheRequestedMeanStdAndTails() {
    int n = 1_000_000;
    double std = 2.5;
    double[] samples = new double[n];
    SecureGaussian.secure().fill(samples, std);
    double sum = 0;
    double sumSquares = 0;
    long beyondThree = 0;
    for (double x : samples) {
      sum += x;
      sumSquares += x * x;
      beyondThree += Math.abs(x) > 3 * std ? 1 : 0;
    }
    double mean = sum / n;
    double variance = (sumSquares - n * mean * mean) / (n - 1);
    double tail = 2 * new NormalDistribution(0, 1).cumulativeProbability(-3);
    assertThat(Math.abs(mean) / (std / Math.sqrt(n))).isLessThan(Z_ONE_IN_A_MILLION);
    assertThat(Math.abs(variance - std * std) / (std * std * Math.sqrt(2.0 / (n - 1))))
        .isLessThan(Z_ONE_IN_A_MILLION);
    assertThat(Math.abs((double) beyondThree / n - tail) / Math.sqrt(tail * (1 - tail) / n))
        .isLessThan(Z_ONE_IN_A_MILLION);
  }

  @Test
  void seeded_isReproducibleAndSaysSo() {
    float[] a = new float[1000];
    float[] b = new float[1000];
    SecureGaussian.seededForReproducibility(11).fill(a, 1.0);
    SecureGaussian.seededForReproducibility(11).fill(b, 1.0);
    assertThat(b).isEqualTo(a);
    assertThat(SecureGaussian.seededForReproducibility(11).isSecure()).isFalse();
  }

  @Test
  void seeded_successiveFillsContinueTheSequence() {
    SecureGaussian noise = SecureGaussian.seededForReproducibility(3);
    double[] first = new double[10];
    double[] second = new double[10];
    noise.fill(first, 1.0);
    noise.fill(second, 1.0);
    assertThat(second).isNotEqualTo(first);
    double[] both = new double[20];
    SecureGaussian.seededForReproducibility(3).fill(both, 1.0);
    assertThat(both).startsWith(first).endsWith(second);
  }

  @Test
  void secure_isNotReproducible() {
    SecureGaussian noise = SecureGaussian.secure();
    float[] a = new float[100];
    float[] b = new float[100];
    noise.fill(a, 1.0);
    noise.fill(b, 1.0);
    assertThat(b).isNotEqualTo(a);
    assertThat(noise.isSecure()).isTrue();
  }

  @Test
  void floatArrayAndBuffer_holdTheRoundedDoubleSamples() {
    double[] reference = new double[64];
    float[] array = new float[64];
    FloatBuffer buffer = FloatBuffer.allocate(70).position(6);
    SecureGaussian.seededForReproducibility(5).fill(reference, 0.7);
    SecureGaussian.seededForReproducibility(5).fill(array, 0.7);
    SecureGaussian.seededForReproducibility(5).fill(buffer, 0.7);
    assertThat(buffer.position()).isEqualTo(6);
    for (int i = 0; i < 64; i++) {
      assertThat(array[i]).isEqualTo((float) reference[i]);
      assertThat(buffer.get(6 + i)).isEqualTo((float) reference[i]);
    }
    assertThat(buffer.get(0)).isZero();
  }

  @Test
  void buffer_longerThanOneChunk_holdsTheSamplesOfOneStream() {
    int n = 2 * SecureGaussian.CHUNK + 17;
    float[] reference = new float[n];
    FloatBuffer buffer = FloatBuffer.allocate(n + 5).position(3).limit(n + 3);
    SecureGaussian.seededForReproducibility(8).fill(reference, 1.3);
    SecureGaussian.seededForReproducibility(8).fill(buffer, 1.3);
    assertThat(buffer.position()).isEqualTo(3);
    buffer.limit(buffer.capacity());
    for (int i = 0; i < n; i++) {
      assertThat(buffer.get(3 + i)).isEqualTo(reference[i]);
    }
    for (int i : new int[] {0, 1, 2, n + 3, n + 4}) {
      assertThat(buffer.get(i)).isZero(); // outside position..limit: untouched
    }
  }

  @Test
  void zeroStd_givesZeros() {
    double[] out = {1, 2, 3};
    SecureGaussian.secure().fill(out, 0.0);
    assertThat(java.util.Arrays.stream(out).allMatch(x -> x == 0.0)).isTrue();
  }

  @Test
  void std_negative_throws() {
    assertThatThrownBy(() -> SecureGaussian.secure().fill(new float[1], -1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("std must be >= 0, got -1.0");
  }
}
