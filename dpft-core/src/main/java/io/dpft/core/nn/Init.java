package io.dpft.core.nn;

/** Initialisation constants and size checks shared by the layers of this package. */
final class Init {
  /** Hugging Face's default {@code initializer_range}: weights start as N(0, 0.02²). */
  static final double STD = 0.02;

  private Init() {}

  static long positive(String name, long value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + value);
    }
    return value;
  }
}
