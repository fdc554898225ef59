package io.dpft.core.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.core.io.AtomicFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per line, flushed as written, so a crashed or running
 * job's metrics can be read at any time. Training steps are {@code "type": "train"} lines (step,
 * epoch, lr, epsilon and, unless omitted, loss, samples, samples_per_s and clipping statistics:
 * these come from the private training batch and are NOT covered by ε); evaluations are
 * {@code "type": "eval"} lines with the split and its metrics; a run that stops for good ends
 * with a {@code "type": "stop"} line. A resumed run continues the same file from its checkpoint's
 * step: lines of steps the checkpoint does not hold (lost in a crash) are dropped first.
 */
public final class MetricsLog implements TrainingListener, AutoCloseable {
  /** The file name inside a run directory. */
  public static final String FILE = "metrics.jsonl";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final BufferedWriter out;
  private final boolean batchStatistics;
  private double lastEpoch;
  private long lastStep;

  private MetricsLog(Path file, long lastStep, double lastEpoch, boolean batchStatistics)
      throws IOException {
    this.lastStep = lastStep;
    this.lastEpoch = lastEpoch;
    this.batchStatistics = batchStatistics;
    this.out =
        Files.newBufferedWriter(
            file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /**
   * Opens {@code file} to continue after step {@code resumedAt} (0 for a run that starts from
   * scratch): keeps the lines of steps up to it (none for 0) and appends after them.
   *
   * @param batchStatistics whether train lines carry the private batch's statistics
   */
  public static MetricsLog open(Path file, long resumedAt, boolean batchStatistics)
      throws IOException {
    double epoch = 0;
    if (Files.exists(file)) {
      StringBuilder kept = new StringBuilder();
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (String line : lines) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode node = JSON.readTree(line);
        long step = node.path("step").asLong();
        if (resumedAt > 0 && step <= resumedAt && !node.path("type").asText().equals("stop")) {
          kept.append(line).append('\n');
          epoch = node.path("epoch").asDouble(epoch);
        }
      }
      AtomicFiles.writeBytes(file, kept.toString().getBytes(StandardCharsets.UTF_8));
    }
    return new MetricsLog(file, resumedAt, epoch, batchStatistics);
  }

  @Override
  public void onStep(StepReport r) {
    ObjectNode line = JSON.createObjectNode();
    line.put("type", "train");
    line.put("step", r.step() + 1);
    line.put("epoch", r.epoch());
    line.put("lr", r.learningRate());
    line.put("epsilon", r.epsilon());
    if (batchStatistics) {
      line.put("samples", r.samples());
      line.put("loss", r.loss());
      line.put("samples_per_s", r.samplesPerSecond());
    }
    if (batchStatistics && r.clipping().samples() > 0) {
      line.put("mean_grad_norm", r.clipping().meanNorm());
      line.put("clipped_fraction", r.clipping().clippedFraction());
    }
    lastEpoch = r.epoch();
    lastStep = r.step() + 1;
    write(line);
  }

  /** An evaluation of {@code split} after the last logged step. */
  public void onEval(String split, Map<String, Double> metrics) {
    ObjectNode line = JSON.createObjectNode();
    line.put("type", "eval");
    line.put("step", lastStep);
    line.put("epoch", lastEpoch);
    line.put("split", split);
    metrics.forEach(line::put);
    write(line);
  }

  /** The run stopped for good after {@code step} steps, having spent {@code epsilon}. */
  public void onStopped(long step, double epsilon, String reason) {
    ObjectNode line = JSON.createObjectNode();
    line.put("type", "stop");
    line.put("step", step);
    line.put("epsilon", epsilon);
    line.put("reason", reason);
    write(line);
  }

  private void write(ObjectNode line) {
    try {
      out.write(JSON.writeValueAsString(line));
      out.newLine();
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write metrics: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
