package io.dpft.core.io;

import java.util.Arrays;
import java.util.Optional;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The element types of the safetensors format that dpft reads, with their size in bytes and the
 * libtorch type of the stored bytes. Floating types are handed out as float32 tensors; integer
 * types keep their width.
 */
public enum SafetensorsDType {
  F32(4, ScalarType.Float),
  F16(2, ScalarType.Half),
  BF16(2, ScalarType.BFloat16),
  I64(8, ScalarType.Long),
  I32(4, ScalarType.Int);

  private final int byteSize;
  private final ScalarType storedType;

  SafetensorsDType(int byteSize, ScalarType storedType) {
    this.byteSize = byteSize;
    this.storedType = storedType;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** The libtorch type whose memory layout equals the stored little-endian bytes. */
  ScalarType storedType() {
    return storedType;
  }

  /** True for F32, F16 and BF16, which the reader converts to float32. */
  public boolean isFloating() {
    return this == F32 || this == F16 || this == BF16;
  }

  /** The type named {@code name} in a safetensors header ("F32", "BF16", ...), if supported. */
  public static Optional<SafetensorsDType> fromHeaderName(String name) {
    return Arrays.stream(values()).filter(d -> d.name().equals(name)).findFirst();
  }
}
