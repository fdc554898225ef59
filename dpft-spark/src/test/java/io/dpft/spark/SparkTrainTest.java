package io.dpft.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SparkTrainTest {
  @Test
  void optionsOverrideTheDefaultsAndUnknownOnesAreRefused() {
    Map<String, String> options =
        SparkTrain.parse(new String[] {"--spark", "local-cluster[2,1,2048]", "--method", "full"});
    assertThat(options).containsEntry("--spark", "local-cluster[2,1,2048]")
        .containsEntry("--method", "full").containsEntry("--model", "all-minilm-l6-v2");
    assertThatThrownBy(() -> SparkTrain.parse(new String[] {"--sigma", "1"}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--noise-multiplier");
    assertThatThrownBy(() -> SparkTrain.parse(new String[] {"--epochs"}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
