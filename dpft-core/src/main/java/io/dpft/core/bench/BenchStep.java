package io.dpft.core.bench;

/** One optimizer step on the benchmark batch, repeatable; owns what it allocated. */
interface BenchStep extends AutoCloseable {
  /** Runs one full step: forward, gradients (clipped and noised under DP), update. */
  void run();

  @Override
  void close();
}
