package io.dpft.core.models;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads a Hugging Face {@code config.json} into a config record, and the range checks those
 * records share. Every error names the file and the offending key.
 */
final class HfConfigFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The fields of one family's {@code config.json}, preset with Hugging Face's defaults. */
  interface Fields<C> {
    /** The validated record. @throws IllegalArgumentException naming the key at fault */
    C toConfig();
  }

  private HfConfigFiles() {}

  /**
   * Parses {@code configJson} into {@code fields} and converts it.
   *
   * @throws IllegalArgumentException naming the file when it is not valid JSON or a value is not
   *     supported or out of range
   * @throws IOException when the file cannot be read
   */
  static <C> C read(Path configJson, Class<? extends Fields<C>> fields) throws IOException {
    Fields<C> json;
    try {
      json = JSON.readValue(configJson.toFile(), fields);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(configJson + " is not a valid Hugging Face config: "
          + e.getOriginalMessage(), e);
    }
    try {
      return json.toConfig();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(configJson + ": " + e.getMessage(), e);
    }
  }

  /** @throws IllegalArgumentException unless {@code modelType} is {@code expected} */
  static void modelType(String expected, String modelType, String modelClass) {
    if (!expected.equals(modelType)) {
      throw new IllegalArgumentException("model_type '" + modelType + "' is not supported by "
          + modelClass + "; supported: [" + expected + "]");
    }
  }

  static void positive(String key, long value) {
    if (value < 1) {
      throw new IllegalArgumentException(key + " must be >= 1, got " + value);
    }
  }

  static void probability(String key, double value) {
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException(key + " must be in [0, 1), got " + value);
    }
  }

  static void epsilon(String key, double value) {
    if (!(value > 0)) {
      throw new IllegalArgumentException(key + " must be > 0, got " + value);
    }
  }

  static void divisible(String key, long value, String byKey, long by) {
    if (value % by != 0) {
      throw new IllegalArgumentException(key + " (" + value + ") must be a multiple of " + byKey
          + " (" + by + ")");
    }
  }

  /** @throws IllegalArgumentException naming {@code key} when an unsupported option is set */
  static void unsupported(String key, Object value, Object supported) {
    if (!supported.equals(value)) {
      throw new IllegalArgumentException(key + " = " + value + " is not supported; supported: "
          + supported);
    }
  }
}
