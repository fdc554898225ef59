package io.dpft.privacy.bench;

import java.util.Arrays;

/** Times a task after a warm-up and prints the median and minimum over the repetitions. */
final class BenchTimer {
  private BenchTimer() {}

  /** Runs {@code task} {@code warmup} times untimed, then {@code repetitions} times timed. */
  static double[] millis(String label, int warmup, int repetitions, Runnable task) {
    for (int i = 0; i < warmup; i++) {
      task.run();
    }
    double[] times = new double[repetitions];
    for (int i = 0; i < repetitions; i++) {
      long start = System.nanoTime();
      task.run();
      times[i] = (System.nanoTime() - start) / 1e6;
    }
    Arrays.sort(times);
    System.out.printf(
        "%-58s median %9.3f ms   min %9.3f ms   (n=%d)%n",
        label, times[repetitions / 2], times[0], repetitions);
    return times;
  }
}
