package io.dpft.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.dp.ClippingStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {
  @Test
  void stepsAndEvals_areOneJsonObjectPerLine_andAppendOnReopen(@TempDir Path dir) throws Exception {
    Path file = dir.resolve(MetricsLog.FILE);
    try (MetricsLog log = MetricsLog.open(file, 0, true)) {
      log.onStep(new StepReport(0, 10, 0.1, 32, 0.69, 1e-3, 0.5, 40, new ClippingStats(32, 2.0, 3.0, 0.25)));
      log.onEval("validation", Map.of("accuracy", 0.75));
    }
    try (MetricsLog log = MetricsLog.open(file, 1, true)) {
      log.onStep(new StepReport(1, 10, 0.2, 30, 0.6, 1e-3, 0.7, 41, ClippingStats.EMPTY));
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(3);
    ObjectMapper json = new ObjectMapper();
    JsonNode first = json.readTree(lines.get(0));
    assertThat(first.get("type").asText()).isEqualTo("train");
    assertThat(first.get("step").asLong()).isEqualTo(1);
    assertThat(first.get("epsilon").asDouble()).isEqualTo(0.5);
    assertThat(first.get("clipped_fraction").asDouble()).isEqualTo(0.25);
    JsonNode eval = json.readTree(lines.get(1));
    assertThat(eval.get("split").asText()).isEqualTo("validation");
    assertThat(eval.get("accuracy").asDouble()).isEqualTo(0.75);
    assertThat(eval.get("step").asLong()).isEqualTo(1);
    assertThat(json.readTree(lines.get(2)).has("clipped_fraction")).isFalse();
  }
}
