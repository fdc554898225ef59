package io.dpft.privacy.random;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.DrbgParameters;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * A 256-bit secret key for {@link AesCtrRandom} streams, as 64 hexadecimal digits so that it can
 * be saved with a checkpoint, and whether it came from a cryptographically secure source.
 *
 * <p>{@link #generate()} draws the key from a {@link SecureRandom} DRBG instantiated at 256-bit
 * strength (NIST SP 800-90A); only such keys are {@code secure}. {@link #fromSeed(String, long)}
 * derives a key from a user seed (SHA-256 of a purpose label and the seed) for reproducible runs:
 * anyone who knows or guesses the seed can recompute every batch and every noise value, which
 * voids the privacy guarantee, so reports must say so. The purpose label keeps, e.g., the noise
 * and the sampling streams of one seed independent.
 *
 * <p>The key is a secret: {@link #toString()} does not print it, and a checkpoint that saves it
 * must be protected like the training data.
 */
public record StreamKey(String hex, boolean secure) {
  private static final int KEY_BYTES = 32;
  private static final HexFormat HEX = HexFormat.of();
  private static final SecureRandom ENTROPY = strongDrbg();

  public StreamKey {
    Objects.requireNonNull(hex, "key must be 64 hexadecimal digits, got null");
    if (hex.length() != 2 * KEY_BYTES || !hex.chars().allMatch(HexFormat::isHexDigit)) {
      throw new IllegalArgumentException(
          "key must be 64 hexadecimal digits (256 bits), got "
              + hex.length()
              + " characters"
              + (hex.chars().allMatch(HexFormat::isHexDigit) ? "" : " with non-hex digits"));
    }
    hex = hex.toLowerCase(Locale.ROOT);
  }

  /** A fresh key from the secure DRBG. */
  public static StreamKey generate() {
    byte[] key = new byte[KEY_BYTES];
    ENTROPY.nextBytes(key);
    return new StreamKey(HEX.formatHex(key), true);
  }

  /** A reproducible, insecure key: SHA-256("dpft:" + purpose + ":" ‖ seed as 8 bytes). */
  public static StreamKey fromSeed(String purpose, long seed) {
    Objects.requireNonNull(purpose, "purpose must name what the stream is for, got null");
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      sha256.update(("dpft:" + purpose + ":").getBytes(StandardCharsets.UTF_8));
      sha256.update(ByteBuffer.allocate(Long.BYTES).putLong(seed).array());
      return new StreamKey(HEX.formatHex(sha256.digest()), false);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available in this JDK", e);
    }
  }

  /** Stream number {@code streamId} under this key; equal ids give equal streams. */
  public AesCtrRandom stream(long streamId) {
    return new AesCtrRandom(HEX.parseHex(hex), streamId);
  }

  /** Says whether the key is secure; never prints the key. */
  @Override
  public String toString() {
    return "StreamKey[secure=" + secure + ", key=<redacted>]";
  }

  private static SecureRandom strongDrbg() {
    try {
      return SecureRandom.getInstance(
          "DRBG",
          DrbgParameters.instantiation(256, DrbgParameters.Capability.RESEED_ONLY, null));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("a 256-bit DRBG SecureRandom is not available", e);
    }
  }
}
