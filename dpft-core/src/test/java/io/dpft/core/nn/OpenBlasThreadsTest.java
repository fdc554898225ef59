package io.dpft.core.nn;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.dp.norms.Grams;
import org.bytedeco.openblas.global.openblas;
import org.junit.jupiter.api.Test;

class OpenBlasThreadsTest {

  @Test
  void oneThread_runsOnOneThread_andGivesBackTheCountItHad() {
    openblas.blas_set_num_threads(2);
    int inside = OpenBlasThreads.oneThread(OpenBlasThreads::count);
    assertThat(inside).isEqualTo(1);
    assertThat(OpenBlasThreads.count()).isEqualTo(2);
    // a DP norm pass, too: it used to give OpenBLAS libtorch's intra-op count, not the one it had
    openblas.blas_set_num_threads(3);
    try (Grams grams = new Grams()) {
      assertThat(OpenBlasThreads.count()).isEqualTo(1);
    }
    assertThat(OpenBlasThreads.count()).isEqualTo(3);
    openblas.blas_set_num_threads(2);
  }
}
