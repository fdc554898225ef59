package io.dpft.core.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per line, flushed as written, so a crashed or running
 * job's metrics can be read at any time. Training steps are {@code "type": "train"} lines (step,
 * epoch, loss, lr, epsilon, samples_per_s, clipping statistics); evaluations are
 * {@code "type": "eval"} lines with the split and its metrics. Appends, so a resumed run
 * continues the same file.
 */
public final class MetricsLog implements TrainingListener, AutoCloseable {
  /** The file name inside a run directory. */
  public static final String FILE = "metrics.jsonl";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final BufferedWriter out;
  private double lastEpoch;
  private long lastStep = -1;

  public MetricsLog(Path file) throws IOException {
    this.out =
        Files.newBufferedWriter(
            file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  @Override
  public void onStep(StepReport r) {
    ObjectNode line = JSON.createObjectNode();
    line.put("type", "train");
    line.put("step", r.step() + 1);
    line.put("epoch", r.epoch());
    line.put("samples", r.samples());
    line.put("loss", r.loss());
    line.put("lr", r.learningRate());
    line.put("epsilon", r.epsilon());
    line.put("samples_per_s", r.samplesPerSecond());
    if (r.clipping().samples() > 0) {
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
    line.put("step", Math.max(0, lastStep));
    line.put("epoch", lastEpoch);
    line.put("split", split);
    metrics.forEach(line::put);
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
