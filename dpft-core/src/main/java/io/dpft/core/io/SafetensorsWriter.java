package io.dpft.core.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Writes <a href="https://huggingface.co/docs/safetensors">safetensors</a> files: the 8-byte
 * little-endian header length, the JSON header (tensors in the given order, offsets laid out
 * back to back, an optional {@code "__metadata__"} string map), padded with spaces so that the
 * data section starts at a multiple of 8 bytes as the format asks, then the raw bytes. Files are
 * written through {@link AtomicFiles}: readers never see a partial file.
 */
public final class SafetensorsWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SafetensorsWriter() {}

  /**
   * One tensor to write: exactly {@code numel(shape) × dtype.byteSize()} little-endian bytes
   * between {@code data}'s position and limit (the buffer itself is not modified).
   */
  public record Entry(String name, SafetensorsDType dtype, long[] shape, ByteBuffer data) {
    public Entry {
      if (name == null || name.isEmpty() || name.equals(SafetensorsReader.METADATA_KEY)) {
        throw new IllegalArgumentException("tensor name must be non-empty and not "
            + SafetensorsReader.METADATA_KEY + ", got '" + name + "'");
      }
      shape = shape.clone();
      long bytes = dtype.byteSize();
      for (long d : shape) {
        if (d < 0) {
          throw new IllegalArgumentException("tensor '" + name + "': shape "
              + Arrays.toString(shape) + " has a negative size");
        }
        bytes *= d;
      }
      if (data.remaining() != bytes) {
        throw new IllegalArgumentException("tensor '" + name + "': shape "
            + Arrays.toString(shape) + " of " + dtype + " needs " + bytes + " bytes, got "
            + data.remaining());
      }
      data = data.asReadOnlyBuffer();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }
  }

  /** Atomically writes {@code entries} (unique names) and {@code metadata} to {@code file}. */
  public static void write(Path file, List<Entry> entries, Map<String, String> metadata)
      throws IOException {
    byte[] header = header(entries, metadata);
    AtomicFiles.write(file, channel -> {
      ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      length.putLong(header.length).flip();
      writeFully(channel, length);
      writeFully(channel, ByteBuffer.wrap(header));
      for (Entry e : entries) {
        writeFully(channel, e.data().duplicate());
      }
    });
  }

  /**
   * Atomically writes torch tensors (any device, any layout): floating tensors as F32, int64 as
   * I64, int32 as I32. The tensors are only read; temporary copies are freed before returning.
   *
   * @throws IllegalArgumentException naming the tensor if its type is none of these
   */
  public static void writeTensors(Path file, Map<String, Tensor> tensors,
      Map<String, String> metadata) throws IOException {
    try (PointerScope scope = new PointerScope()) {
      List<Entry> entries = new ArrayList<>(tensors.size());
      for (Map.Entry<String, Tensor> named : tensors.entrySet()) {
        SafetensorsDType dtype = dtypeFor(named.getKey(), named.getValue().scalar_type());
        // aliases when already CPU, contiguous and of the stored type; copies otherwise
        Tensor stored = named.getValue().detach().cpu().to(dtype.storedType()).contiguous();
        ByteBuffer data = stored.nbytes() == 0 ? ByteBuffer.allocate(0) // no storage to point at
            : new BytePointer(stored.data_ptr()).capacity(stored.nbytes()).asByteBuffer();
        entries.add(new Entry(named.getKey(), dtype, Shapes.of(stored), data));
      }
      write(file, entries, metadata);
    }
  }

  private static SafetensorsDType dtypeFor(String name, ScalarType nativeType) {
    ScalarType type = nativeType.intern(); // a native result is a fresh object: map to the constant
    if (type == ScalarType.Float || type == ScalarType.Half || type == ScalarType.BFloat16
        || type == ScalarType.Double) {
      return SafetensorsDType.F32;
    } else if (type == ScalarType.Long) {
      return SafetensorsDType.I64;
    } else if (type == ScalarType.Int) {
      return SafetensorsDType.I32;
    }
    throw new IllegalArgumentException("tensor '" + name + "' has type " + type
        + "; only floating (written as F32), int64 and int32 tensors can be saved");
  }

  /** The JSON header, padded with spaces to make {@code 8 + length} a multiple of 8. */
  private static byte[] header(List<Entry> entries, Map<String, String> metadata) {
    ObjectNode root = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = root.putObject(SafetensorsReader.METADATA_KEY);
      metadata.forEach(meta::put);
    }
    Set<String> names = new HashSet<>();
    long offset = 0;
    for (Entry e : entries) {
      if (!names.add(e.name())) {
        throw new IllegalArgumentException("tensor name '" + e.name() + "' appears twice");
      }
      ObjectNode node = root.putObject(e.name());
      node.put("dtype", e.dtype().name());
      Arrays.stream(e.shape()).forEach(node.putArray("shape")::add);
      node.putArray("data_offsets").add(offset).add(offset + e.data().remaining());
      offset += e.data().remaining();
    }
    byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    byte[] header = Arrays.copyOf(json, padded);
    Arrays.fill(header, json.length, padded, (byte) ' ');
    return header;
  }

  private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }
}
