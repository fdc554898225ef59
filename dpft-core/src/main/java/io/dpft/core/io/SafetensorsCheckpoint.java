package io.dpft.core.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;

/**
 * The tensors of a Hugging Face checkpoint, in one safetensors file or sharded over several
 * with a {@code model.safetensors.index.json} ({@code {"weight_map": {tensor: shard file}}}).
 * Opens every shard's header up front; reads tensor data lazily. Tensors from {@link #read} are
 * owned by the caller (see {@link SafetensorsReader}).
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
  /** The single-file checkpoint name of a Hugging Face model directory. */
  public static final String SINGLE_FILE = "model.safetensors";

  /** The shard index name of a Hugging Face model directory. */
  public static final String INDEX_FILE = "model.safetensors.index.json";

  private final Path source;
  private final List<SafetensorsReader> readers;
  private final Map<String, SafetensorsReader> byName;

  private SafetensorsCheckpoint(Path source, List<SafetensorsReader> readers,
      Map<String, SafetensorsReader> byName) {
    this.source = source;
    this.readers = readers;
    this.byName = byName;
  }

  /**
   * Opens {@code source}: a {@code .safetensors} file, a shard index {@code .json}, or a model
   * directory holding {@value #INDEX_FILE} or {@value #SINGLE_FILE}.
   */
  public static SafetensorsCheckpoint open(Path source) throws IOException {
    Path file = Files.isDirectory(source) ? checkpointIn(source) : source;
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "no safetensors checkpoint here");
    }
    List<SafetensorsReader> readers = new ArrayList<>();
    try {
      Map<String, SafetensorsReader> byName = new LinkedHashMap<>();
      if (file.getFileName().toString().endsWith(".json")) {
        openShards(file, readers, byName);
      } else {
        SafetensorsReader reader = SafetensorsReader.open(file);
        readers.add(reader);
        reader.names().forEach(n -> byName.put(n, reader));
      }
      return new SafetensorsCheckpoint(source, readers, Collections.unmodifiableMap(byName));
    } catch (IOException | RuntimeException e) {
      closeAll(readers);
      throw e;
    }
  }

  /** The path given to {@link #open}. */
  public Path source() {
    return source;
  }

  /** Tensor names, in index or header order. */
  public List<String> names() {
    return List.copyOf(byName.keySet());
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /** The header entry of tensor {@code name}. */
  public SafetensorsReader.Entry entry(String name) {
    return readerOf(name).entry(name);
  }

  /** The file holding tensor {@code name}. */
  public Path fileOf(String name) {
    return readerOf(name).file();
  }

  /** Reads tensor {@code name} (see {@link SafetensorsReader#read}); the caller owns it. */
  public Tensor read(String name) throws IOException {
    return readerOf(name).read(name);
  }

  @Override
  public void close() throws IOException {
    closeAll(readers);
  }

  private SafetensorsReader readerOf(String name) {
    SafetensorsReader reader = byName.get(name);
    if (reader == null) {
      throw new IllegalArgumentException(source + ": no tensor '" + name + "'");
    }
    return reader;
  }

  private static Path checkpointIn(Path dir) throws IOException {
    for (String candidate : List.of(INDEX_FILE, SINGLE_FILE)) {
      if (Files.isRegularFile(dir.resolve(candidate))) {
        return dir.resolve(candidate);
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> safetensors =
          files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList();
      if (safetensors.size() == 1) {
        return safetensors.get(0);
      }
      throw new NoSuchFileException(dir.toString(), null, "expected " + INDEX_FILE + ", "
          + SINGLE_FILE + " or exactly one *.safetensors file, found " + safetensors);
    }
  }

  private static void openShards(Path index, List<SafetensorsReader> readers,
      Map<String, SafetensorsReader> byName) throws IOException {
    JsonNode weightMap = new ObjectMapper().readTree(index.toFile()).path("weight_map");
    if (!weightMap.isObject() || weightMap.isEmpty()) {
      throw new IllegalArgumentException(index + ": needs a non-empty \"weight_map\" object"
          + " {tensor name: shard file}");
    }
    Map<String, SafetensorsReader> shards = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String shardName = field.getValue().asText();
      SafetensorsReader shard = shards.get(shardName);
      if (shard == null) {
        shard = SafetensorsReader.open(index.resolveSibling(shardName));
        readers.add(shard);
        shards.put(shardName, shard);
      }
      if (!shard.contains(field.getKey())) {
        throw new IllegalArgumentException(index + ": tensor '" + field.getKey()
            + "' is mapped to " + shard.file() + ", which does not contain it");
      }
      byName.put(field.getKey(), shard);
    }
  }

  private static void closeAll(List<SafetensorsReader> readers) throws IOException {
    IOException first = null;
    for (SafetensorsReader reader : readers) {
      try {
        reader.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
