package io.dpft.core.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file whose header or data breaks the format. The message always names the file
 * and, where one is to blame, the tensor, e.g. {@code "/m/model.safetensors: tensor
 * 'encoder.layer.0.output.dense.bias': data_offsets [0, 12] hold 12 bytes but shape [4] of F32
 * needs 16"}.
 */
public final class SafetensorsFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  SafetensorsFormatException(Path file, String tensor, String problem) {
    super(file + ": tensor '" + tensor + "': " + problem);
  }

  SafetensorsFormatException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }

  SafetensorsFormatException(Path file, String problem) {
    super(file + ": " + problem);
  }
}
