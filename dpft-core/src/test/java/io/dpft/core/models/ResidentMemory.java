package io.dpft.core.models;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process' resident memory, for native-memory leak tests (the JVM heap cannot see libtorch). */
final class ResidentMemory {
  private ResidentMemory() {}

  /** VmRSS of this process in kB, from /proc/self/status. */
  static long kilobytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS line in /proc/self/status");
  }

  /**
   * VmRSS less the JVM's committed heap and non-heap memory, in kB: what libtorch and the other
   * native libraries hold. Exact for the heap only when its pages are touched as they are
   * committed (the tests run with {@code -XX:+AlwaysPreTouch}); otherwise a heap whose pages
   * eden reaches for the first time reads as native growth.
   */
  static long outsideJvmKilobytes() throws IOException {
    MemoryMXBean jvm = ManagementFactory.getMemoryMXBean();
    long committed =
        jvm.getHeapMemoryUsage().getCommitted() + jvm.getNonHeapMemoryUsage().getCommitted();
    return kilobytes() - committed / 1024;
  }
}
