package io.dpft.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
  @TempDir Path dir;

  @Test
  void writeTensors_thenRead_roundTripsValuesShapesAndMetadata() throws IOException {
    Path file = dir.resolve("model.safetensors");
    try (PointerScope scope = new PointerScope()) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      tensors.put("w", torch.randn(3, 5));
      tensors.put("wT", torch.randn(4, 2).t()); // not contiguous
      tensors.put("bias", torch.randn(7).set_requires_grad(true));
      tensors.put("half", torch.randn(6).to(ScalarType.Half));
      tensors.put("ids", torch.arange(new org.bytedeco.pytorch.Scalar(5)).to(ScalarType.Long));
      tensors.put("empty", torch.zeros(0, 3));
      SafetensorsWriter.writeTensors(file, tensors, Map.of("step", "12"));

      try (SafetensorsReader reader = SafetensorsReader.open(file)) {
        assertThat(reader.names()).containsExactlyElementsOf(tensors.keySet());
        assertThat(reader.metadata()).isEqualTo(Map.of("step", "12"));
        assertThat(reader.entry("half").dtype()).isEqualTo(SafetensorsDType.F32);
        assertThat(reader.entry("ids").dtype()).isEqualTo(SafetensorsDType.I64);
        for (var e : tensors.entrySet()) {
          Tensor expected = e.getValue().to(e.getKey().equals("ids") ? ScalarType.Long
              : ScalarType.Float);
          Tensor actual = reader.read(e.getKey());
          assertThat(Shapes.of(actual)).as(e.getKey()).containsExactly(Shapes.of(expected));
          assertThat(torch.equal(actual, expected)).as(e.getKey()).isTrue();
        }
      }
    }
  }

  @Test
  void write_headerIsPaddedWithSpacesToEightBytes() throws IOException {
    Path file = dir.resolve("pad.safetensors");
    float[] v = {1.5f, -2f, 3.25f};
    ByteBuffer data = ByteBuffer.wrap(HandBuiltSafetensors.floats(v));
    SafetensorsWriter.write(file, List.of(
        new SafetensorsWriter.Entry("a", SafetensorsDType.F32, new long[] {3}, data)), Map.of());

    byte[] bytes = Files.readAllBytes(file);
    long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat((8 + n) % 8).isZero();
    String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    JsonNode json = new ObjectMapper().readTree(header);
    assertThat(json.path("a").path("data_offsets").toString()).isEqualTo("[0,12]");
    assertThat(header.substring(header.lastIndexOf('}') + 1)).matches(" *");
    assertThat(Arrays.copyOfRange(bytes, (int) (8 + n), bytes.length))
        .isEqualTo(HandBuiltSafetensors.floats(v));
    assertThat(data.position()).as("the caller's buffer is not consumed").isZero();
  }

  @Test
  void entry_wrongByteCount_namesTensorAndSizes() {
    assertThatThrownBy(() -> new SafetensorsWriter.Entry("w", SafetensorsDType.F32,
        new long[] {2, 2}, ByteBuffer.allocate(12)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'w'").hasMessageContaining("needs 16").hasMessageContaining("12");
  }

  @Test
  void write_duplicateName_throwsAndLeavesNoFile() {
    Path file = dir.resolve("dup.safetensors");
    var e = new SafetensorsWriter.Entry("w", SafetensorsDType.F32, new long[] {1},
        ByteBuffer.allocate(4));
    assertThatThrownBy(() -> SafetensorsWriter.write(file, List.of(e, e), Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'w' appears twice");
    assertThat(file).doesNotExist();
  }

  @Test
  void writeTensors_boolTensor_namesIt() {
    try (PointerScope scope = new PointerScope()) {
      Map<String, Tensor> tensors = Map.of("mask", torch.zeros(2).to(ScalarType.Bool));
      assertThatThrownBy(() -> SafetensorsWriter.writeTensors(dir.resolve("b.safetensors"),
          tensors, Map.of())).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'mask'");
    }
  }

  @Test
  void writeTensors_readsWithoutChangingTheInputs() throws IOException {
    try (PointerScope scope = new PointerScope()) {
      Tensor w = torch.randn(4, 4);
      float[] before = TestTensors.floats(w);
      SafetensorsWriter.writeTensors(dir.resolve("w.safetensors"), Map.of("w", w), Map.of());
      assertThat(TestTensors.floats(w)).containsExactly(before);
    }
  }
}
