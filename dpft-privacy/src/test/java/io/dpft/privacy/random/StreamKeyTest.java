package io.dpft.privacy.random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class StreamKeyTest {

  /**
   * Independent check of the counter-mode construction: block b of stream s is AES-256-ECB of
   * the 16-byte block (s ‖ b), big-endian, read as two little-endian longs. The blocks checked
   * lie on both sides of the generator's buffer refills (after 16, 48, 112, … blocks).
   */
  @Test
  void stream_isAesEcbOfTheCounterBlocks() throws Exception {
    StreamKey key = StreamKey.fromSeed("test", 1);
    long streamId = 0x0123456789abcdefL;
    AesCtrRandom random = key.stream(streamId);
    long[] longs = new long[2 * 1200];
    for (int i = 0; i < longs.length; i++) {
      longs[i] = random.nextLong();
    }
    Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
    ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(HexFormat.of().parseHex(key.hex()), "AES"));
    for (long block : new long[] {0, 1, 15, 16, 47, 48, 495, 496, 1007, 1008, 1199}) {
      byte[] counter = ByteBuffer.allocate(16).putLong(streamId).putLong(block).array();
      ByteBuffer expected = ByteBuffer.wrap(ecb.doFinal(counter)).order(ByteOrder.LITTLE_ENDIAN);
      assertThat(longs[(int) (2 * block)]).as("block %d", block).isEqualTo(expected.getLong());
      assertThat(longs[(int) (2 * block + 1)]).isEqualTo(expected.getLong());
    }
  }

  @Test
  void fromSeed_isDeterministicAndSeparatedByPurpose() {
    assertThat(StreamKey.fromSeed("noise", 7)).isEqualTo(StreamKey.fromSeed("noise", 7));
    assertThat(StreamKey.fromSeed("noise", 7).hex())
        .isNotEqualTo(StreamKey.fromSeed("sampling", 7).hex())
        .isNotEqualTo(StreamKey.fromSeed("noise", 8).hex());
    assertThat(StreamKey.fromSeed("noise", 7).secure()).isFalse();
  }

  @Test
  void generate_isSecureAndFresh() {
    StreamKey a = StreamKey.generate();
    assertThat(a.secure()).isTrue();
    assertThat(a.hex()).hasSize(64).isNotEqualTo(StreamKey.generate().hex());
  }

  @Test
  void differentStreams_differ() {
    StreamKey key = StreamKey.generate();
    assertThat(key.stream(0).nextLong()).isNotEqualTo(key.stream(1).nextLong());
    assertThat(key.stream(3).nextLong()).isEqualTo(key.stream(3).nextLong());
  }

  @Test
  void toString_doesNotRevealTheKey() {
    StreamKey key = StreamKey.generate();
    assertThat(key.toString()).doesNotContain(key.hex()).contains("redacted");
  }

  @Test
  void hex_wrongLength_throwsWithoutEchoingTheKey() {
    assertThatThrownBy(() -> new StreamKey("abcd", true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key must be 64 hexadecimal digits (256 bits), got 4 characters");
    assertThatThrownBy(() -> new StreamKey("z".repeat(64), true))
        .hasMessageContaining("non-hex");
  }
}
