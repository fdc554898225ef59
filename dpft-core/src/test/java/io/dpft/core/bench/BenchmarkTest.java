package io.dpft.core.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.TinyBert;
import io.dpft.core.nn.Precision;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A whole benchmark run on a tiny BERT, 2 timed steps per configuration: results and JSON. */
class BenchmarkTest {

  @Test
  void tinyModel_everyConfigurationReportsThroughputAndPeakRss() throws Exception {
    BenchConfig config =
        new BenchConfig(
            "tiny",
            List.of(BenchMethod.FULL, BenchMethod.BITFIT, BenchMethod.LORA, BenchMethod.SIDE,
                BenchMethod.PER_EXAMPLE),
            List.of(true, false),
            4,
            8,
            2,
            1,
            1.0,
            1.0,
            5,
            BenchOptimizer.ADAMW,
            0.0,
            Precision.FP32);
    List<String> progress = new ArrayList<>();
    List<Double> dropouts = new ArrayList<>();
    List<BenchResult> streamed = new ArrayList<>();
    List<BenchResult> results =
        new Benchmark(dropout -> {
              dropouts.add(dropout);
              return TinyBert.classifier(SyntheticBatch.LABELS, BertModel.Pooling.MEAN);
            })
            .measure(
                config,
                new Benchmark.Listener() {
                  @Override
                  public void progress(String line) {
                    progress.add(line);
                  }

                  @Override
                  public void result(BenchResult result) {
                    streamed.add(result);
                  }
                });

    assertThat(results).containsExactlyElementsOf(streamed);
    assertThat(results)
        .extracting(r -> r.method().cliName() + "/" + r.dp())
        .containsExactly("full/true", "full/false", "bitfit/true", "bitfit/false", "lora/true",
            "lora/false", "side/true", "side/false", "per-example/true");
    for (BenchResult r : results) {
      assertThat(r.steps()).isEqualTo(2);
      assertThat(r.precision()).isEqualTo(Precision.FP32);
      assertThat(r.stepSeconds()).allSatisfy(s -> assertThat(s).isPositive());
      assertThat(r.samplesPerSecond())
          .isEqualTo(BenchResult.samplesPerSecond(4, r.stepSeconds()))
          .isPositive();
      // the tiny model's weights and the JVM are resident from the start
      assertThat(r.startRssMb()).isGreaterThan(10);
      assertThat(r.peakRssMb()).isGreaterThanOrEqualTo(r.startRssMb() - 16);
    }
    // one fresh model per configuration, with the configured dropout
    assertThat(dropouts).hasSize(results.size()).containsOnly(0.0);
    assertThat(results).allSatisfy(r -> {
      assertThat(r.optimizer()).isEqualTo("adamw");
      assertThat(r.dropout()).isZero();
    });
    // 2 timed steps + 1 warm-up per configuration, plus a start and an end line
    assertThat(progress).hasSize(results.size() * (3 + 2));
  }

  @Test
  void jsonLine_hasTheDocumentedKeysAndValues() throws Exception {
    BenchResult result =
        new BenchResult("m", BenchMethod.BITFIT, true, 32, 128, 2, List.of(2.0, 1.0, 4.0, 3.0),
            BenchResult.samplesPerSecond(32, List.of(2.0, 1.0, 4.0, 3.0)), 1234.56, 800.0,
            "VmHWM", "sgd", 0.1, Precision.BF16);
    String line = result.toJsonLine();
    assertThat(line).doesNotContain("\n");
    JsonNode json = new ObjectMapper().readTree(line);
    List<String> keys = new ArrayList<>();
    json.fieldNames().forEachRemaining(keys::add);
    assertThat(keys)
        .containsExactly("model", "method", "dp", "batch_size", "seq_len", "steps", "warmup",
            "optimizer", "dropout", "samples_per_s", "peak_rss_mb", "start_rss_mb", "rss_source",
            "step_seconds", "precision");
    assertThat(json.get("precision").asText()).isEqualTo("bf16");
    assertThat(json.get("method").asText()).isEqualTo("bitfit");
    assertThat(json.get("dp").asBoolean()).isTrue();
    assertThat(json.get("steps").asInt()).isEqualTo(4);
    assertThat(json.get("optimizer").asText()).isEqualTo("sgd");
    assertThat(json.get("dropout").asDouble()).isEqualTo(0.1);
    // median of {1, 2, 3, 4} s is 2.5 s: 32 / 2.5 = 12.8 samples/s
    assertThat(json.get("samples_per_s").asDouble()).isEqualTo(12.8);
    assertThat(json.get("peak_rss_mb").asDouble()).isEqualTo(1234.6);
  }
}
