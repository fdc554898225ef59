package io.dpft.core.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class NativeAllocatorTest {
  private static final String LIBC =
      "7f2c1a000000-7f2c1a028000 r--p 00000000 00:2a 123 /usr/lib/x86_64-linux-gnu/libc.so.6";

  @Test
  void fromMaps_recognisesPreloadedLibrariesByFileName() {
    assertThat(NativeAllocator.fromMaps(List.of(LIBC,
        "7f2c1b000000-7f2c1b010000 r-xp 00000000 00:2a 456 "
            + "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2")))
        .isEqualTo(NativeAllocator.JEMALLOC);
    assertThat(NativeAllocator.fromMaps(List.of(
        "7f2c1b000000-7f2c1b010000 r-xp 00000000 00:2a 456 /usr/lib/libtcmalloc_minimal.so.4",
        LIBC))).isEqualTo(NativeAllocator.TCMALLOC);
  }

  @Test
  void fromMaps_withoutOne_isTheSystemMalloc() {
    assertThat(NativeAllocator.fromMaps(List.of(LIBC, "00400000-00401000 r-xp 00000000 00:00 0 ",
        "7f2c1c000000-7f2c1c001000 rw-p 00000000 00:2a 789 /opt/jemalloc-notes/readme.txt")))
        .isEqualTo(NativeAllocator.SYSTEM);
  }

  /** This JVM has jemalloc exactly when the environment preloaded it. */
  @Test
  void current_agreesWithLdPreload() {
    String preload = System.getenv().getOrDefault("LD_PRELOAD", "");
    assertThat(NativeAllocator.current() == NativeAllocator.JEMALLOC)
        .isEqualTo(preload.contains("libjemalloc"));
  }
}
