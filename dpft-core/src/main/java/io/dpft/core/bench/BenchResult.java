package io.dpft.core.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.nn.Precision;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one configuration measured.
 *
 * @param samplesPerSecond batch size over the median timed step's seconds
 * @param stepSeconds every timed step's wall-clock seconds, in order
 * @param peakRssMb the process's highest resident set size during the configuration (model
 *     loaded before the section starts, so its weights count from the start), in MiB
 * @param startRssMb the resident set size when the configuration's section started, in MiB
 * @param rssSource how the peak was obtained: {@code VmHWM} (the kernel's high-water mark, reset
 *     per configuration) or {@code sampled}
 * @param optimizer the optimizer's command-line name ({@link BenchOptimizer#cliName()})
 * @param dropout the model's dropout in the timed steps
 * @param precision the precision that ran (fp32 where bf16 was asked for on a CPU without it)
 */
public record BenchResult(
    String model,
    BenchMethod method,
    boolean dp,
    int batchSize,
    int seqLength,
    int warmup,
    List<Double> stepSeconds,
    double samplesPerSecond,
    double peakRssMb,
    double startRssMb,
    String rssSource,
    String optimizer,
    double dropout,
    Precision precision) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public BenchResult {
    stepSeconds = List.copyOf(stepSeconds);
    if (stepSeconds.isEmpty()) {
      throw new IllegalArgumentException("a result needs at least one timed step");
    }
  }

  /** Samples per second from {@code batchSize} and the median of {@code stepSeconds}. */
  static double samplesPerSecond(int batchSize, List<Double> stepSeconds) {
    double[] sorted = stepSeconds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    return batchSize / median;
  }

  /** Number of timed steps. */
  public int steps() {
    return stepSeconds.size();
  }

  /**
   * One JSON object on one line: {@code model, method, dp, batch_size, seq_len, steps, warmup,
   * optimizer, dropout,
   * samples_per_s, peak_rss_mb, start_rss_mb, rss_source, step_seconds, precision}. No
   * {@code allocator_peak_mb}: libtorch keeps no CPU allocator statistics (see {@link PeakRss}).
   */
  public String toJsonLine() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("model", model);
    fields.put("method", method.cliName());
    fields.put("dp", dp);
    fields.put("batch_size", batchSize);
    fields.put("seq_len", seqLength);
    fields.put("steps", steps());
    fields.put("warmup", warmup);
    fields.put("optimizer", optimizer);
    fields.put("dropout", dropout);
    fields.put("samples_per_s", round(samplesPerSecond, 3));
    fields.put("peak_rss_mb", round(peakRssMb, 1));
    fields.put("start_rss_mb", round(startRssMb, 1));
    fields.put("rss_source", rssSource);
    fields.put("step_seconds", stepSeconds.stream().map(s -> round(s, 4)).toList());
    fields.put("precision", precision.cliName());
    try {
      return JSON.writeValueAsString(fields);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings, numbers and booleans always serialises", e);
    }
  }

  private static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }
}
