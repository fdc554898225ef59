package io.dpft.core.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The C allocator behind libtorch's CPU tensors in this process, which a benchmark must report: at
 * long sequences it changes throughput markedly (glibc's malloc returns large freed blocks to the
 * kernel and page-faults them in again; jemalloc keeps them; docs/performance.md), and the {@code
 * dpft} launcher preloads jemalloc only where it is installed.
 */
public enum NativeAllocator {
  JEMALLOC("jemalloc"),
  TCMALLOC("tcmalloc"),
  /** glibc's malloc, or one this class does not recognise; also where maps cannot be read. */
  SYSTEM("system malloc");

  private final String label;

  NativeAllocator(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** The allocator mapped into this process ({@code /proc/self/maps}). */
  public static NativeAllocator current() {
    try {
      return fromMaps(Files.readAllLines(Path.of("/proc/self/maps")));
    } catch (IOException | UnsupportedOperationException e) {
      return SYSTEM;
    }
  }

  /** The allocator whose shared library appears in the lines of a {@code /proc/PID/maps}. */
  static NativeAllocator fromMaps(List<String> maps) {
    for (String line : maps) {
      String library = line.substring(line.lastIndexOf('/') + 1);
      if (library.startsWith("libjemalloc.so")) {
        return JEMALLOC;
      }
      if (library.startsWith("libtcmalloc")) {
        return TCMALLOC;
      }
    }
    return SYSTEM;
  }
}
