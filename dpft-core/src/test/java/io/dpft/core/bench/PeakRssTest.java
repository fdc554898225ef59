package io.dpft.core.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The peak must see a known allocation: a 256 MiB tensor whose pages are all written (torch.ones)
 * raises the section's peak by about its size — the independent number here — and, once freed, a
 * new section must not inherit the earlier peak.
 */
class PeakRssTest {
  private static final long MIB = 1 << 20;
  private static final long ALLOCATED = 256 * MIB;

  @Test
  void kernelHighWaterMark_seesAnAllocationAndResetsPerSection() {
    try (PeakRss probe = PeakRss.start()) {
      assumeThat(probe.source()).as("Linux VmHWM reset").isEqualTo(PeakRss.Source.KERNEL_HIGH_WATER_MARK);
    }
    checkSeesAllocationThenResets(PeakRss::start);
  }

  @Test
  void sampling_seesAnAllocationAndResetsPerSection() {
    checkSeesAllocationThenResets(PeakRss::startSampling);
  }

  private static void checkSeesAllocationThenResets(Supplier<PeakRss> sections) {
    long firstPeak;
    try (PeakRss rss = sections.get()) {
      allocateHoldAndFree();
      firstPeak = rss.peakBytes();
      assertThat(firstPeak - rss.startBytes()).isGreaterThan(ALLOCATED * 9 / 10);
    }
    Pointer.trimMemory();
    try (PeakRss rss = sections.get()) {
      assertThat(rss.startBytes()).isLessThan(firstPeak - ALLOCATED / 2);
      assertThat(rss.peakBytes()).isLessThan(firstPeak - ALLOCATED / 2);
      assertThat(rss.peakBytes()).isGreaterThanOrEqualTo(rss.startBytes() - 16 * MIB);
    }
  }

  /** Writes every page of a 256 MiB tensor, keeps it for longer than a sampling period, frees it. */
  private static void allocateHoldAndFree() {
    try (PointerScope scope = new PointerScope()) {
      Tensor big = torch.ones(ALLOCATED / Float.BYTES);
      assertThat(big.sum().item_double()).isEqualTo(ALLOCATED / Float.BYTES);
      sleep(20 * PeakRss.SAMPLE_MILLIS);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
