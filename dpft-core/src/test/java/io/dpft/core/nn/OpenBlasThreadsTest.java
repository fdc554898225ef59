package io.dpft.core.nn;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.dp.norms.Grams;
import org.bytedeco.openblas.global.openblas;
import org.junit.jupiter.api.Test;

class OpenBlasThreadsTest {

  @Test
  void aModule_leavesOpenBlasSingleThreaded_andANormPassKeepsItSo() {
    try (Linear layer = new Linear(4, 2, true, WeightLayout.OUT_IN)) {
      assertThat(openblas.blas_get_num_threads()).isEqualTo(1);
    }
    // a DP norm pass used to give OpenBLAS libtorch's intra-op thread count when it ended
    try (Grams grams = new Grams()) {
      assertThat(openblas.blas_get_num_threads()).isEqualTo(1);
    }
    assertThat(openblas.blas_get_num_threads()).isEqualTo(1);
  }
}
