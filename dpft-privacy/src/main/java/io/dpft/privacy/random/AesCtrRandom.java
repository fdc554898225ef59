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
 * nextGaussian()}. HotSpot compiles JCE's AES-CTR to AES-NI/VAES instructions where the CPU has
 * them; {@code io.dpft.privacy.bench.NoiseBench} measures the end-to-end cost per Gaussian sample
 * (docs/performance.md). The key stream is produced in buffers that start at 256 bytes and double up
 * to 8 KiB, so short streams (a small batch) stay cheap. Not thread-safe: one stream per thread.
 */
public final class AesCtrRandom implements RandomGenerator {
  private static final int FIRST_BUFFER_BYTES = 256;
  private static final int MAX_BUFFER_BYTES = 8192;
  private static final byte[] ZEROS = new byte[MAX_BUFFER_BYTES];
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final Cipher cipher;
  /** Key stream not yet used; starts small (short streams are common) and doubles. */
  private byte[] buffer = new byte[0];

  private int position;

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
    if (position == buffer.length) {
      refill();
    }
    long value = (long) LONGS.get(buffer, position);
    position += Long.BYTES;
    return value;
  }

  private void refill() {
    if (buffer.length < MAX_BUFFER_BYTES) {
      buffer = new byte[Math.max(FIRST_BUFFER_BYTES, 2 * buffer.length)];
    }
    try {
      cipher.update(ZEROS, 0, buffer.length, buffer, 0);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR failed to produce a block of key stream", e);
    }
    position = 0;
  }
}
