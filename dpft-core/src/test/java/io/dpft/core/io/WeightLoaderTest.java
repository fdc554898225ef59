package io.dpft.core.io;

import static io.dpft.core.io.HandBuiltSafetensors.floats;
import static io.dpft.core.io.HandBuiltSafetensors.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.io.WeightLoader.IncompatibleWeightsException;
import io.dpft.core.io.WeightLoader.LoadReport;
import io.dpft.core.io.WeightLoader.Mode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightLoaderTest {
  @TempDir Path dir;
  private PointerScope scope;
  /** A tiny "model": two parameters that require grad, as a model would hand them out. */
  private Map<String, Tensor> parameters;

  @BeforeEach
  void model() {
    scope = new PointerScope();
    parameters = new LinkedHashMap<>();
    parameters.put("dense.weight", torch.zeros(2, 3).set_requires_grad(true));
    parameters.put("dense.bias", torch.zeros(2).set_requires_grad(true));
  }

  @AfterEach
  void free() {
    scope.close();
  }

  @Test
  void strict_matchingFile_copiesEveryValueAndKeepsParametersTrainable() throws IOException {
    Path file = write(dir.resolve("m.safetensors"),
        "{\"dense.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
            + "\"dense.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]}}",
        floats(1, 2, 3, 4, 5, 6, -1, -2));
    LoadReport report = WeightLoader.load(file, parameters, Mode.STRICT);

    assertThat(report.isComplete()).isTrue();
    assertThat(report.loaded()).containsExactly("dense.weight", "dense.bias");
    assertThat(TestTensors.floats(parameters.get("dense.weight")))
        .containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(TestTensors.floats(parameters.get("dense.bias"))).containsExactly(-1, -2);
    assertThat(parameters.get("dense.bias").requires_grad()).isTrue();
    // copy_ into a leaf that requires grad only works with autograd off (NoGradGuard)
    assertThat(parameters.get("dense.bias").is_leaf()).isTrue();
  }

  @Test
  void strict_everyProblemIsListedAtOnceAndNothingIsCopied() throws IOException {
    Path file = write(dir.resolve("bad.safetensors"),
        "{\"dense.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
            + "\"pooler.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]}}",
        floats(1, 2, 3, 4, 5, 6, 7, 8));
    assertThatThrownBy(() -> WeightLoader.load(file, parameters, Mode.STRICT))
        .isInstanceOf(IncompatibleWeightsException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("missing in the file (1): dense.bias")
        .hasMessageContaining("unexpected in the file (1): pooler.bias")
        .hasMessageContaining("'dense.weight'").hasMessageContaining("[3, 2]")
        .hasMessageContaining("[2, 3]");
    assertThat(TestTensors.floats(parameters.get("dense.weight"))).containsOnly(0f);
  }

  @Test
  void lenient_copiesWhatMatchesAndReportsTheRest() throws IOException {
    Path file = write(dir.resolve("part.safetensors"),
        "{\"dense.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"classifier.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
        floats(5, 6, 7));
    LoadReport report = WeightLoader.load(file, parameters, Mode.LENIENT);

    assertThat(report.loaded()).containsExactly("dense.bias");
    assertThat(report.missing()).containsExactly("dense.weight");
    assertThat(report.unexpected()).containsExactly("classifier.bias");
    assertThat(report.mismatched()).isEmpty();
    assertThat(TestTensors.floats(parameters.get("dense.bias"))).containsExactly(5, 6);
  }

  @Test
  void lenient_shapeMismatchIsReportedAndNotCopied() throws IOException {
    Path file = write(dir.resolve("mm.safetensors"),
        "{\"dense.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}",
        floats(5, 6, 7));
    LoadReport report = WeightLoader.load(file, parameters, Mode.LENIENT);

    assertThat(report.mismatched()).singleElement().satisfies(m -> {
      assertThat(m.parameter()).isEqualTo("dense.bias");
      assertThat(m.fileShape()).containsExactly(3);
      assertThat(m.parameterShape()).containsExactly(2);
    });
    assertThat(report.loaded()).isEmpty();
    assertThat(TestTensors.floats(parameters.get("dense.bias"))).containsOnly(0f);
  }

  @Test
  void hfPrefixMapping_loadsTaskHeadCheckpointIntoEncoderNames() throws IOException {
    Path file = write(dir.resolve("head.safetensors"),
        "{\"bert.dense.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"bert.dense.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[8,32]}}",
        floats(9, 8, 1, 1, 1, 1, 1, 1));
    LoadReport report =
        WeightLoader.load(file, parameters, Mode.STRICT, NameMapping.HF_ENCODER_PREFIXES);
    assertThat(report.loaded()).containsExactlyInAnyOrder("dense.bias", "dense.weight");
    assertThat(TestTensors.floats(parameters.get("dense.bias"))).containsExactly(9, 8);
  }

  @Test
  void shardedCheckpoint_loadsThroughTheIndex() throws IOException {
    write(dir.resolve("model-00001-of-00002.safetensors"),
        "{\"dense.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}",
        floats(1, 2, 3, 4, 5, 6));
    write(dir.resolve("model-00002-of-00002.safetensors"),
        "{\"dense.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
        floats(7, 8));
    Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), "{\"metadata\":{},"
        + "\"weight_map\":{\"dense.weight\":\"model-00001-of-00002.safetensors\","
        + "\"dense.bias\":\"model-00002-of-00002.safetensors\"}}");

    LoadReport report = WeightLoader.load(dir, parameters, Mode.STRICT);
    assertThat(report.loaded()).hasSize(2);
    assertThat(TestTensors.floats(parameters.get("dense.weight")))
        .containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(TestTensors.floats(parameters.get("dense.bias"))).containsExactly(7, 8);
  }

  @Test
  void shardIndex_pointingToTheWrongShard_namesTensorAndShard() throws IOException {
    Path shard = write(dir.resolve("only.safetensors"),
        "{\"dense.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", floats(7, 8));
    Path index = dir.resolve("idx.json");
    Files.writeString(index, "{\"weight_map\":{\"dense.weight\":\"only.safetensors\"}}");
    assertThatThrownBy(() -> WeightLoader.load(index, parameters, Mode.STRICT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'dense.weight'").hasMessageContaining(shard.toString());
  }

  @Test
  void directoryWithoutCheckpoint_saysWhatItLookedFor() {
    assertThatThrownBy(() -> WeightLoader.load(dir, parameters, Mode.STRICT))
        .isInstanceOf(IOException.class).hasMessageContaining(SafetensorsCheckpoint.SINGLE_FILE);
  }
}
