package io.dpft.data.datasets.builtin;

import java.nio.file.Path;

/**
 * Where fetched datasets are kept: {@code <root>/datasets/<name>/}, with root the system property
 * {@value #ROOT_PROPERTY} if set, else the environment variable {@value #ROOT_ENV}, else {@code
 * ~/.cache/dpft}.
 */
public final class DatasetCache {
  public static final String ROOT_PROPERTY = "dpft.cache";
  public static final String ROOT_ENV = "DPFT_CACHE";

  private DatasetCache() {}

  public static Path root() {
    String property = System.getProperty(ROOT_PROPERTY);
    if (property != null && !property.isBlank()) {
      return Path.of(property);
    }
    String env = System.getenv(ROOT_ENV);
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("user.home"), ".cache", "dpft");
  }

  /** The folder of dataset {@code name}. */
  public static Path datasetDir(String name) {
    return root().resolve("datasets").resolve(name);
  }
}
