package io.dpft.core.nn;

import org.bytedeco.openblas.global.openblas;

/**
 * Runs OpenBLAS, the BLAS that libtorch links, on the calling thread only, for the whole process.
 *
 * <p>libtorch calls BLAS from inside its own OpenMP-parallel kernels: the CPU flash attention
 * that {@link MultiHeadSelfAttention} runs does one GEMM per block of queries on each OpenMP
 * thread. This OpenBLAS is built on its own thread pool, which does not know it is called from a
 * parallel region; once those GEMMs pass its threshold for going parallel (MiniLM at 256 tokens)
 * every OpenMP thread hands its GEMM to the same pool, and the cores are oversubscribed and the
 * pool's lock contended: a non-DP BiTFiT step of MiniLM at batch 32 × 256 took 58–97 s instead of
 * 2.1 s. dpft's own BLAS calls ({@code Grams}) split samples over Java threads and want one thread
 * each too. One OpenBLAS thread cost nothing at 128 tokens (docs/performance.md), where the large
 * products run in oneDNN. {@code OPENBLAS_NUM_THREADS} in the environment is overridden.
 */
public final class OpenBlasThreads {
  private static volatile boolean set;

  private OpenBlasThreads() {}

  /** Sets OpenBLAS to one thread, once per process (each later call returns at once). */
  public static void useOne() {
    if (!set) {
      synchronized (OpenBlasThreads.class) {
        if (!set) {
          openblas.blas_set_num_threads(1);
          set = true;
        }
      }
    }
  }
}
