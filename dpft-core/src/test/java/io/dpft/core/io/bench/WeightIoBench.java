package io.dpft.core.io.bench;

import io.dpft.core.io.SafetensorsDType;
import io.dpft.core.io.SafetensorsReader;
import io.dpft.core.io.SafetensorsWriter;
import io.dpft.core.io.onnx.OnnxBertConverter;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * (1) Three ways to turn a 47 MB F32 tensor of a safetensors file (MiniLM's word embeddings,
 * 30522×384) into a tensor that owns its memory: what {@link SafetensorsReader#read} does
 * ({@code from_blob} over the memory map, then {@code clone}), a {@code ByteBuffer} copy from
 * the map into {@code torch.empty}, and {@code FileChannel.read} straight into the tensor.
 * (2) Time and peak heap of converting the two bundled ONNX encoders. Run with:
 *
 * <pre>
 * mvn -q -o -pl dpft-core test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.dpft.core.io.bench.WeightIoBench
 * </pre>
 */
public final class WeightIoBench {
  private static final long[] SHAPE = {30522, 384};

  private WeightIoBench() {}

  public static void main(String[] args) throws IOException {
    Path dir = Files.createTempDirectory("dpft-bench");
    Path file = dir.resolve("w.safetensors");
    ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(SHAPE[0] * SHAPE[1] * 4));
    SafetensorsWriter.write(file, List.of(
        new SafetensorsWriter.Entry("w", SafetensorsDType.F32, SHAPE, data)), Map.of());
    long bytes = data.capacity();
    long dataStart = Files.size(file) - bytes;
    try (SafetensorsReader reader = SafetensorsReader.open(file);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      time("SafetensorsReader.read: map + from_blob + clone", () -> reader.read("w"));
      time("map + ByteBuffer.put into torch.empty", () -> {
        Tensor t = torch.empty(SHAPE);
        target(t, bytes).put(channel.map(FileChannel.MapMode.READ_ONLY, dataStart, bytes));
        return t;
      });
      time("FileChannel.read into torch.empty", () -> {
        Tensor t = torch.empty(SHAPE);
        ByteBuffer target = target(t, bytes);
        while (target.hasRemaining()) {
          channel.read(target, dataStart + target.position());
        }
        return t;
      });
    }
    for (String model : List.of("all-minilm-l6-v2", "bge-small-en-v1.5")) {
      Path onnx = extract(dir, model + ".onnx");
      Path tokenizer = extract(dir, model + "-tokenizer.json");
      System.gc();
      ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
      long start = System.nanoTime();
      OnnxBertConverter.Result r = OnnxBertConverter.convert(onnx, tokenizer, dir.resolve(model));
      double seconds = (System.nanoTime() - start) / 1e9;
      long peak = ManagementFactory.getMemoryPoolMXBeans().stream()
          .filter(p -> p.getType() == MemoryType.HEAP)
          .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
      System.out.printf("convert %-18s %.2f s, heap pools' peaks summed %d MB, onnx %.1f MB,"
              + " model.safetensors %.1f MB, %d tensors%n", model, seconds, peak >> 20,
          Files.size(onnx) / 1e6, r.weightBytes() / 1e6, r.tensorCount());
    }
  }

  private interface TensorTask {
    Tensor run() throws IOException;
  }

  /** Median and minimum of 15 runs after 3 warm-ups, each in its own scope. */
  private static void time(String label, TensorTask task) throws IOException {
    double[] ms = new double[18];
    for (int i = 0; i < ms.length; i++) {
      try (PointerScope scope = new PointerScope()) {
        long start = System.nanoTime();
        task.run();
        ms[i] = (System.nanoTime() - start) / 1e6;
      }
    }
    double[] timed = Arrays.copyOfRange(ms, 3, ms.length);
    Arrays.sort(timed);
    System.out.printf("%-50s median %7.2f ms  min %7.2f ms  (47 MB)%n", label,
        timed[timed.length / 2], timed[0]);
  }

  private static ByteBuffer target(Tensor t, long bytes) {
    return new BytePointer(t.data_ptr()).capacity(bytes).asByteBuffer();
  }

  private static Path extract(Path dir, String resource) throws IOException {
    Path file = dir.resolve(resource);
    try (InputStream in = WeightIoBench.class.getClassLoader().getResourceAsStream(resource)) {
      Files.copy(in, file);
    }
    return file;
  }
}
