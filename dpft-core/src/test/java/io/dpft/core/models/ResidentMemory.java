package io.dpft.core.models;

import java.io.IOException;
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
}
