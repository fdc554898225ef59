package io.dpft.core.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.Pointer;

/**
 * The highest resident set size (RSS) of this process during one measured section: model,
 * activations, gradients, optimizer state and libtorch's allocator slack — everything the
 * operating system has to provide, which is what limits a run on a given machine.
 *
 * <p>On Linux the kernel keeps the high-water mark ({@code VmHWM} in {@code /proc/self/status});
 * writing {@code 5} to {@code /proc/self/clear_refs} resets it to the current RSS (proc(5)), so
 * each section gets its own peak even after earlier, larger ones. Where that is not possible (not
 * Linux, no permission, or a kernel that does not reset), a daemon thread samples the RSS every
 * {@value #SAMPLE_MILLIS} ms instead, which can miss shorter spikes.
 *
 * <p>libtorch's own allocator peak would separate tensor memory from the rest, but on the CPU
 * libtorch keeps no allocation statistics: its only hook, a profiler-side
 * {@code c10::MemoryReportingInfoBase}, is an abstract C++ class that the Java bindings cannot
 * subclass. RSS is the measure reported.
 */
final class PeakRss implements AutoCloseable {
  static final long SAMPLE_MILLIS = 2;
  /** Growth allowed between the reset and reading the status back (other threads run on). */
  private static final long RESET_SLACK_BYTES = 16L << 20;

  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

  /** How the peak is obtained. */
  enum Source {
    /** The kernel's {@code VmHWM}, reset at the start. */
    KERNEL_HIGH_WATER_MARK("VmHWM"),
    /** The maximum of periodic samples of the RSS. */
    SAMPLED("sampled");

    private final String label;

    Source(String label) {
      this.label = label;
    }

    String label() {
      return label;
    }
  }

  private final Source source;
  private final long startBytes;
  private final AtomicLong sampledPeak;
  private final Thread sampler;

  private PeakRss(Source source, long startBytes, AtomicLong sampledPeak, Thread sampler) {
    this.source = source;
    this.startBytes = startBytes;
    this.sampledPeak = sampledPeak;
    this.sampler = sampler;
  }

  /** Starts a section: the kernel's high-water mark if it can be reset, else sampling. */
  static PeakRss start() {
    long[] rssAndPeak = resetKernelHighWaterMark();
    if (rssAndPeak != null) {
      return new PeakRss(Source.KERNEL_HIGH_WATER_MARK, rssAndPeak[0], null, null);
    }
    return startSampling();
  }

  /** Starts a section measured by sampling the RSS (the fallback; also for tests). */
  static PeakRss startSampling() {
    long start = Pointer.physicalBytes();
    AtomicLong peak = new AtomicLong(start);
    Thread thread =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(Pointer.physicalBytes(), Math::max);
                try {
                  Thread.sleep(SAMPLE_MILLIS);
                } catch (InterruptedException stop) {
                  return;
                }
              }
            },
            "dpft-rss-sampler");
    thread.setDaemon(true);
    thread.start();
    return new PeakRss(Source.SAMPLED, start, peak, thread);
  }

  Source source() {
    return source;
  }

  /** RSS when the section started, in bytes. */
  long startBytes() {
    return startBytes;
  }

  /** The highest RSS since the section started, in bytes. */
  long peakBytes() {
    if (source == Source.KERNEL_HIGH_WATER_MARK) {
      return readStatus()[1];
    }
    return sampledPeak.accumulateAndGet(Pointer.physicalBytes(), Math::max);
  }

  /** Stops the sampler, if any. */
  @Override
  public void close() {
    if (sampler != null) {
      sampler.interrupt();
      try {
        sampler.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Resets VmHWM; returns {RSS, VmHWM} read right after, or null if the reset did not work. */
  private static long[] resetKernelHighWaterMark() {
    try {
      Files.writeString(CLEAR_REFS, "5", StandardCharsets.US_ASCII);
      long[] status = readStatus();
      return status[1] - status[0] <= RESET_SLACK_BYTES ? status : null;
    } catch (IOException | UncheckedIOException | SecurityException | IllegalStateException e) {
      return null;
    }
  }

  /** {VmRSS, VmHWM} in bytes from one read of /proc/self/status. */
  private static long[] readStatus() {
    List<String> lines;
    try {
      lines = Files.readAllLines(STATUS, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new long[] {kilobytes(lines, "VmRSS:"), kilobytes(lines, "VmHWM:")};
  }

  private static long kilobytes(List<String> lines, String key) {
    for (String line : lines) {
      if (line.startsWith(key)) {
        String value = line.substring(key.length()).trim(); // "123456 kB"
        return Long.parseLong(value.substring(0, value.indexOf(' '))) * 1024;
      }
    }
    throw new IllegalStateException(STATUS + " has no " + key + " line");
  }
}
