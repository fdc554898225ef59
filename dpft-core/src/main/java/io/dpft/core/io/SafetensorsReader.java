package io.dpft.core.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Reads tensors from a <a href="https://huggingface.co/docs/safetensors">safetensors</a> file:
 * an 8-byte little-endian header length {@code N}, a JSON header of {@code N} bytes mapping each
 * tensor name to {@code {dtype, shape, data_offsets: [begin, end)}} (offsets relative to the data
 * section that follows the header) plus an optional {@code "__metadata__"} string map, then the
 * raw little-endian tensor bytes.
 *
 * <p>{@link #open} parses and validates the whole header at once: a sane header length, valid
 * JSON without duplicate names, known dtypes,
 * {@code numel(shape) × bytes(dtype) == end − begin}, offsets inside the data section and
 * tensors that neither overlap nor leave holes (the format forbids both). Tensor data is read
 * lazily, one tensor per {@link #read}, from a memory-mapped region of the file.
 *
 * <p><b>Native memory:</b> every tensor returned by {@link #read} is a fresh tensor that owns its
 * memory and belongs to the caller, exactly like the result of any torch op: it is attached to
 * the caller's innermost {@code PointerScope} if one is open, and otherwise must be closed by the
 * caller. The reader itself holds only the file channel; close it when done.
 */
public final class SafetensorsReader implements AutoCloseable {
  /** Largest header the reference implementation accepts (100 MB). */
  static final long MAX_HEADER_BYTES = 100_000_000L;

  static final String METADATA_KEY = "__metadata__";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /**
   * One tensor's header entry. {@code begin}/{@code end} are byte offsets into the data section.
   */
  public record Entry(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {
    public Entry {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    public long byteLength() {
      return end - begin;
    }

    @Override
    public String toString() {
      return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
    }
  }

  private final Path file;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, Entry> entries;
  private final Map<String, String> metadata;

  private SafetensorsReader(Path file, FileChannel channel, long dataStart,
      Map<String, Entry> entries, Map<String, String> metadata) {
    this.file = file;
    this.channel = channel;
    this.dataStart = dataStart;
    this.entries = entries;
    this.metadata = metadata;
  }

  /**
   * Opens {@code file} and validates its header.
   *
   * @throws SafetensorsFormatException naming the file (and the tensor) if the header is corrupt
   */
  public static SafetensorsReader open(Path file) throws IOException {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new UnsupportedOperationException("safetensors reading needs a little-endian CPU");
    }
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      long size = channel.size();
      if (size < 8) {
        throw new SafetensorsFormatException(file,
            "truncated: " + size + " bytes, but the 8-byte header length alone needs 8");
      }
      long headerLength = readFully(channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (headerLength < 2 || headerLength > Math.min(MAX_HEADER_BYTES, size - 8)) {
        throw new SafetensorsFormatException(file, "header length " + headerLength
            + " is impossible: it must be in [2, " + Math.min(MAX_HEADER_BYTES, size - 8)
            + "] for a file of " + size + " bytes (truncated or not a safetensors file?)");
      }
      ByteBuffer headerBytes = readFully(channel, 8, (int) headerLength);
      JsonNode header;
      try {
        header = JSON.readTree(headerBytes.array());
      } catch (JsonProcessingException e) {
        throw new SafetensorsFormatException(file, "header is not valid JSON: "
            + e.getOriginalMessage(), e);
      }
      if (header == null || !header.isObject()) {
        throw new SafetensorsFormatException(file, "header must be a JSON object");
      }
      long dataLength = size - 8 - headerLength;
      Map<String, String> metadata = Map.of();
      Map<String, Entry> entries = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (field.getKey().equals(METADATA_KEY)) {
          metadata = parseMetadata(file, field.getValue());
        } else {
          entries.put(field.getKey(), parseEntry(file, field.getKey(), field.getValue(),
              dataLength));
        }
      }
      checkCoverage(file, entries.values(), dataLength);
      return new SafetensorsReader(file, channel, 8 + headerLength,
          Collections.unmodifiableMap(entries), metadata);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  public Path file() {
    return file;
  }

  /** Tensor names in header order. */
  public List<String> names() {
    return List.copyOf(entries.keySet());
  }

  public boolean contains(String name) {
    return entries.containsKey(name);
  }

  /** The header entry of tensor {@code name}. */
  public Entry entry(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new IllegalArgumentException(file + ": no tensor '" + name + "' (the file has "
          + entries.size() + " tensors)");
    }
    return e;
  }

  /** The {@code "__metadata__"} map of the header (empty if absent). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * Reads tensor {@code name} into a new CPU tensor that owns its memory (see the class comment
   * for who frees it): float32 for F32/F16/BF16 (half types widened exactly), int64 for I64 and
   * int32 for I32.
   */
  public Tensor read(String name) throws IOException {
    Entry e = entry(name);
    ScalarType resultType = e.dtype().isFloating() ? ScalarType.Float : e.dtype().storedType();
    if (e.byteLength() == 0) {
      try (TensorOptions options = new TensorOptions(resultType)) {
        return torch.zeros(e.shape(), options);
      }
    }
    if (e.byteLength() > Integer.MAX_VALUE) {
      throw new SafetensorsFormatException(file, name,
          "tensors above 2 GiB are not supported (" + e.byteLength() + " bytes)");
    }
    MappedByteBuffer bytes =
        channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.byteLength());
    try (BytePointer pointer = new BytePointer(bytes);
        TensorOptions options = new TensorOptions(e.dtype().storedType());
        Tensor view = torch.from_blob(pointer, e.shape(), options)) {
      // the view borrows the mapped bytes; the copy owns its memory (to(Float) copies for F16/BF16)
      return e.dtype().storedType() == resultType ? view.clone() : view.to(resultType);
    } finally {
      Reference.reachabilityFence(bytes);
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  private static ByteBuffer readFully(FileChannel channel, long position, int length)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        break; // size() said otherwise; the caller's bounds checks report it
      }
    }
    return buffer.flip();
  }

  private static Map<String, String> parseMetadata(Path file, JsonNode node)
      throws SafetensorsFormatException {
    if (!node.isObject()) {
      throw new SafetensorsFormatException(file, METADATA_KEY + " must be an object of strings");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (!field.getValue().isTextual()) {
        throw new SafetensorsFormatException(file, METADATA_KEY + " value of '" + field.getKey()
            + "' must be a string, got " + field.getValue());
      }
      metadata.put(field.getKey(), field.getValue().asText());
    }
    return Collections.unmodifiableMap(metadata);
  }

  private static Entry parseEntry(Path file, String name, JsonNode node, long dataLength)
      throws SafetensorsFormatException {
    if (!node.isObject()) {
      throw new SafetensorsFormatException(file, name,
          "entry must be an object {dtype, shape, data_offsets}, got " + node);
    }
    JsonNode dtypeNode = node.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw new SafetensorsFormatException(file, name, "dtype missing or not a string");
    }
    SafetensorsDType dtype = SafetensorsDType.fromHeaderName(dtypeNode.asText())
        .orElseThrow(() -> new SafetensorsFormatException(file, name, "unsupported dtype '"
            + dtypeNode.asText() + "' (supported: "
            + Arrays.toString(SafetensorsDType.values()) + ")"));
    long[] shape = nonNegativeLongs(file, name, node.get("shape"), "shape", -1);
    long[] offsets = nonNegativeLongs(file, name, node.get("data_offsets"), "data_offsets", 2);
    long begin = offsets[0];
    long end = offsets[1];
    if (begin > end || end > dataLength) {
      throw new SafetensorsFormatException(file, name, "data_offsets [" + begin + ", " + end
          + "] out of range: must satisfy begin <= end <= " + dataLength
          + " (the size of the data section)");
    }
    long needed;
    try {
      long numel = 1;
      for (long d : shape) {
        numel = Math.multiplyExact(numel, d);
      }
      needed = Math.multiplyExact(numel, (long) dtype.byteSize());
    } catch (ArithmeticException overflow) {
      throw new SafetensorsFormatException(file, name,
          "shape " + Arrays.toString(shape) + " is too large");
    }
    if (needed != end - begin) {
      throw new SafetensorsFormatException(file, name, "data_offsets [" + begin + ", " + end
          + "] hold " + (end - begin) + " bytes but shape " + Arrays.toString(shape) + " of "
          + dtype + " needs " + needed);
    }
    return new Entry(name, dtype, shape, begin, end);
  }

  private static long[] nonNegativeLongs(Path file, String tensor, JsonNode node, String field,
      int requiredLength) throws SafetensorsFormatException {
    boolean ok = node != null && node.isArray()
        && (requiredLength < 0 || node.size() == requiredLength);
    long[] values = new long[ok ? node.size() : 0];
    for (int i = 0; ok && i < values.length; i++) {
      JsonNode v = node.get(i);
      ok = v.isIntegralNumber() && v.canConvertToLong() && v.asLong() >= 0;
      values[i] = v.asLong();
    }
    if (!ok) {
      throw new SafetensorsFormatException(file, tensor, field + " must be an array of "
          + (requiredLength < 0 ? "" : requiredLength + " ") + "non-negative integers, got "
          + node);
    }
    return values;
  }

  /** The format requires the tensors to tile the data section exactly: no overlap, no hole. */
  private static void checkCoverage(Path file, Iterable<Entry> entries, long dataLength)
      throws SafetensorsFormatException {
    List<Entry> sorted = new ArrayList<>();
    entries.forEach(sorted::add);
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long covered = 0;
    Entry previous = null;
    for (Entry e : sorted) {
      if (e.begin() < covered) {
        throw new SafetensorsFormatException(file, e.name(), "data_offsets [" + e.begin() + ", "
            + e.end() + "] overlap tensor '" + previous.name() + "' [" + previous.begin() + ", "
            + previous.end() + "]");
      }
      if (e.begin() > covered) {
        throw new SafetensorsFormatException(file, e.name(), "bytes [" + covered + ", "
            + e.begin() + ") before this tensor belong to no tensor (the format forbids holes)");
      }
      covered = e.end();
      if (e.byteLength() > 0) {
        previous = e;
      }
    }
    if (covered != dataLength) {
      String last = previous == null ? "no tensor" : "the last tensor '" + previous.name() + "'";
      throw new SafetensorsFormatException(file, "the data section has " + dataLength
          + " bytes but " + last + " ends at " + covered + " (truncated or trailing bytes)");
    }
  }
}
