package io.dpft.core.nn;

import java.util.function.Supplier;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.openblas.global.openblas_full;

/**
 * Runs work with OpenBLAS, the BLAS that libtorch links, on one thread, and gives OpenBLAS back the
 * thread count it had.
 *
 * <p>For work that calls BLAS from several threads at once: libtorch's CPU flash attention does
 * one GEMM per block of queries on each of its OpenMP threads, and dpft's {@code Grams} split
 * samples over Java threads. This OpenBLAS runs its own thread pool, which does not know it is
 * called from a parallel region: once the GEMMs pass its threshold for going parallel (MiniLM's
 * attention at 256 tokens), every caller hands its GEMM to the same pool, and the cores are
 * oversubscribed and the pool's lock contended (a non-DP BiTFiT step of MiniLM at batch 32 × 256
 * took 58–97 s instead of 2.1 s). OpenBLAS on one thread for the whole process instead would halve
 * the speed of the large products that libtorch sends to it from one thread (non-DP full
 * fine-tuning's weight gradients: 21.6 → 13.5 samples/s; docs/performance.md).
 */
public final class OpenBlasThreads {
  private OpenBlasThreads() {}

  /** {@code work}'s result, computed with OpenBLAS on one thread. */
  public static <T> T oneThread(Supplier<T> work) {
    int threads = count();
    if (threads <= 1) {
      return work.get();
    }
    openblas.blas_set_num_threads(1);
    try {
      return work.get();
    } finally {
      openblas.blas_set_num_threads(threads);
    }
  }

  /** OpenBLAS's thread count now. */
  public static int count() {
    return openblas_full.openblas_get_num_threads();
  }
}
