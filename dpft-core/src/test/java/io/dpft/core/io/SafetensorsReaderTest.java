package io.dpft.core.io;

import static io.dpft.core.io.HandBuiltSafetensors.concat;
import static io.dpft.core.io.HandBuiltSafetensors.floats;
import static io.dpft.core.io.HandBuiltSafetensors.longs;
import static io.dpft.core.io.HandBuiltSafetensors.shorts;
import static io.dpft.core.io.HandBuiltSafetensors.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsReaderTest {
  @TempDir Path dir;

  /**
   * IEEE 754 binary16 bit patterns and their values (the standard's encoding: sign, 5-bit
   * exponent with bias 15, 10-bit fraction; e.g. the table in
   * https://en.wikipedia.org/wiki/Half-precision_floating-point_format#Half_precision_examples).
   */
  private static final int[] HALF_BITS = {0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x3555, 0x0000};
  private static final float[] HALF_VALUES =
      {1.0f, -2.0f, 0.5f, 65504f, (float) Math.pow(2, -24), 0.333251953125f, 0.0f};

  @Test
  void read_f16_widensExactlyToFloat32() throws IOException {
    Path file = write(dir.resolve("h.safetensors"),
        "{\"h\":{\"dtype\":\"F16\",\"shape\":[7],\"data_offsets\":[0,14]}}", shorts(HALF_BITS));
    try (PointerScope scope = new PointerScope();
        SafetensorsReader reader = SafetensorsReader.open(file)) {
      Tensor h = reader.read("h");
      assertThat(h.scalar_type().intern()).isEqualTo(ScalarType.Float);
      assertThat(TestTensors.floats(h)).containsExactly(HALF_VALUES);
    }
  }

  @Test
  void read_bf16_isTheUpperHalfOfFloat32() throws IOException {
    // bfloat16 keeps the upper 16 bits of a float32; these values have zero lower bits
    float[] expected = {1.0f, -2.5f, 3.140625f, 1.5e-3f};
    expected[3] = Float.intBitsToFloat(Float.floatToIntBits(expected[3]) & 0xFFFF0000);
    int[] bits = Arrays.stream(new int[] {0, 1, 2, 3})
        .map(i -> Float.floatToIntBits(expected[i]) >>> 16).toArray();
    Path file = write(dir.resolve("b.safetensors"),
        "{\"b\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,8]}}", shorts(bits));
    try (PointerScope scope = new PointerScope();
        SafetensorsReader reader = SafetensorsReader.open(file)) {
      Tensor b = reader.read("b");
      assertThat(Shapes.of(b)).containsExactly(2, 2);
      assertThat(TestTensors.floats(b)).containsExactly(expected);
    }
  }

  @Test
  void read_mixedFile_givesEachTensorAndTheMetadata() throws IOException {
    String header = "{\"__metadata__\":{\"format\":\"pt\"},"
        + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
        + "\"ids\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[24,48]},"
        + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[48,48]}}  ";
    byte[] data = concat(floats(1, 2, 3, 4, 5, 6.5f), longs(7, -8, 1L << 40));
    Path file = write(dir.resolve("m.safetensors"), header, data);
    try (PointerScope scope = new PointerScope();
        SafetensorsReader reader = SafetensorsReader.open(file)) {
      assertThat(reader.names()).containsExactly("w", "ids", "empty");
      assertThat(reader.metadata()).isEqualTo(Map.of("format", "pt"));
      assertThat(TestTensors.floats(reader.read("w"))).containsExactly(1, 2, 3, 4, 5, 6.5f);
      Tensor ids = reader.read("ids");
      assertThat(ids.scalar_type().intern()).isEqualTo(ScalarType.Long);
      long[] idValues = new long[3];
      try (LongPointer p = new LongPointer(ids.data_ptr())) {
        p.get(idValues);
      }
      assertThat(idValues).containsExactly(7, -8, 1L << 40);
      assertThat(Shapes.of(reader.read("empty"))).containsExactly(0, 4);
    }
  }

  @Test
  void read_tensorOutlivesTheReader() throws IOException {
    Path file = write(dir.resolve("o.safetensors"),
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", floats(3, 4));
    try (PointerScope scope = new PointerScope()) {
      Tensor w;
      try (SafetensorsReader reader = SafetensorsReader.open(file)) {
        w = reader.read("w");
      }
      Files.delete(file);
      assertThat(TestTensors.floats(w)).containsExactly(3, 4);
    }
  }

  @Test
  void read_unknownName_namesFileAndTensor() throws IOException {
    Path file = write(dir.resolve("u.safetensors"),
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", floats(1));
    try (SafetensorsReader reader = SafetensorsReader.open(file)) {
      assertThatThrownBy(() -> reader.read("nope")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(file.toString()).hasMessageContaining("'nope'");
    }
  }

  // ---- corrupt files: every message names the file, and the tensor when one is to blame ----

  @Test
  void open_truncatedData_namesTheCutTensor() throws IOException {
    byte[] full = concat(floats(1, 2), floats(3, 4, 5));
    Path file = write(dir.resolve("t.safetensors"),
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[8,20]}}",
        Arrays.copyOf(full, 15));
    assertCorrupt(file, "'b'", "out of range");
  }

  @Test
  void open_shorterThanTheHeaderLength_throws() throws IOException {
    Path file = dir.resolve("short.safetensors");
    Files.write(file, new byte[] {100, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
    assertCorrupt(file, "header length 100");
  }

  @Test
  void open_lessThanEightBytes_throws() throws IOException {
    Path file = dir.resolve("tiny.safetensors");
    Files.write(file, new byte[] {1, 2, 3});
    assertCorrupt(file, "truncated");
  }

  @Test
  void open_badJson_throws() throws IOException {
    Path file = write(dir.resolve("j.safetensors"), "{\"a\":{\"dtype\":", new byte[0]);
    assertCorrupt(file, "not valid JSON");
  }

  @Test
  void open_duplicateName_namesIt() throws IOException {
    Path file = write(dir.resolve("d.safetensors"),
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", floats(1, 2));
    assertCorrupt(file, "'a'");
  }

  @Test
  void open_offsetsBeyondData_namesTensor() throws IOException {
    Path file = write(dir.resolve("r.safetensors"),
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", floats(1, 2));
    assertCorrupt(file, "'w'", "out of range");
  }

  @Test
  void open_shapeDisagreesWithByteRange_namesTensorAndBothSizes() throws IOException {
    Path file = write(dir.resolve("s.safetensors"),
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", floats(1, 2));
    assertCorrupt(file, "'w'", "hold 8 bytes", "needs 12");
  }

  @Test
  void open_unknownDtype_namesTensorAndType() throws IOException {
    Path file = write(dir.resolve("x.safetensors"),
        "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]);
    assertCorrupt(file, "'w'", "unsupported dtype 'F8_E4M3'");
  }

  @Test
  void open_overlappingTensors_namesBoth() throws IOException {
    Path file = write(dir.resolve("ov.safetensors"),
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", floats(1, 2, 3));
    assertCorrupt(file, "'b'", "overlap", "'a'");
  }

  @Test
  void open_holeBetweenTensors_namesTheTensorAfterIt() throws IOException {
    Path file = write(dir.resolve("hole.safetensors"),
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", floats(1, 2, 3));
    assertCorrupt(file, "'b'", "bytes [4, 8)");
  }

  @Test
  void open_negativeShape_namesTensor() throws IOException {
    Path file = write(dir.resolve("n.safetensors"),
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", floats(1));
    assertCorrupt(file, "'w'", "shape must be an array of non-negative integers");
  }

  @Test
  void open_nonStringMetadata_throws() throws IOException {
    Path file = write(dir.resolve("meta.safetensors"), "{\"__metadata__\":{\"step\":3}}",
        new byte[0]);
    assertCorrupt(file, "'step' must be a string");
  }

  private static void assertCorrupt(Path file, String... fragments) {
    var thrown = assertThatThrownBy(() -> SafetensorsReader.open(file).close())
        .isInstanceOf(SafetensorsFormatException.class).hasMessageContaining(file.toString());
    for (String fragment : fragments) {
      thrown.hasMessageContaining(fragment);
    }
  }
}
