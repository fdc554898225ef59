package io.dpft.privacy.random;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.util.random.RandomGenerator;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A cryptographically secure pseudorandom stream: the JDK's AES-256 in counter mode, encrypting
 * the counter blocks (streamId ‖ 0), (streamId ‖ 1), … under a secret {@link StreamKey}. This is
 * the generate step of NIST SP 800-90A CTR_DRBG: as long as AES is a pseudorandom permutation
 * and the key is secret, the output cannot be told apart from uniform bits by any efficient
 * observer — unlike fast statistical generators (xorshift, LCG mixes), whose state can be
 * recovered from their outputs. Each stream id addresses its own 2⁶⁴-block range, so streams
 * under one key never overlap, and any stream (e.g. "the batch at step k") can be regenerated
 * without replaying the ones before it.
 *
 * <p>Everything else comes from {@link RandomGenerator}'s default methods on top of {@link
 * #nextLong()}: unbiased bounded integers, 53-bit doubles and the ziggurat {@code
 * nextGaussian()}. Throughput is that of JCE AES-CTR (~0.5 GB/s per core measured on the build
 * machine, with AES-NI). Not thread-safe: one stream per thread.
 */
public final class AesCtrRandom implements RandomGenerator {
  private static final int BUFFER_BYTES = 8192;
  private static final byte[] ZEROS = new byte[BUFFER_BYTES];
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final Cipher cipher;
  private final byte[] buffer = new byte[BUFFER_BYTES];
  private int position = BUFFER_BYTES;

  AesCtrRandom(byte[] key, long streamId) {
    byte[] counter = ByteBuffer.allocate(16).putLong(streamId).putLong(0L).array();
    try {
      cipher = Cipher.getInstance("AES/CTR/NoPadding");
      cipher.init(
          Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(counter));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/CTR/NoPadding with a 256-bit key is not available", e);
    }
  }

  @Override
  public long nextLong() {
    if (position == BUFFER_BYTES) {
      refill();
    }
    long value = (long) LONGS.get(buffer, position);
    position += Long.BYTES;
    return value;
  }

  private void refill() {
    try {
      cipher.update(ZEROS, 0, BUFFER_BYTES, buffer, 0);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR failed to produce a block of key stream", e);
    }
    position = 0;
  }
}
