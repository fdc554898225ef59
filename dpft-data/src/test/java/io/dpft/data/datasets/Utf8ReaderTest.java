package io.dpft.data.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8ReaderTest {
  private static String readAll(byte[] bytes) throws IOException {
    StringWriter text = new StringWriter();
    try (Reader reader = new Utf8Reader("in.txt", new ByteArrayInputStream(bytes))) {
      reader.transferTo(text);
    }
    return text.toString();
  }

  @Test
  void validText_decodedAsIs_acrossBufferBoundaries() throws IOException {
    // multi-byte characters (2, 3 and 4 bytes) at every alignment to the 8 KiB buffers
    StringBuilder text = new StringBuilder("\uFEFFheader\n");
    for (int i = 0; i < 5000; i++) {
      text.append("é€😀 line ").append(i).append('\n');
    }
    assertThat(readAll(text.toString().getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(text.toString());
  }

  @Test
  void emptyInput_isEmpty() throws IOException {
    assertThat(readAll(new byte[0])).isEmpty();
  }

  @Test
  void latin1Byte_throwsNamingSourceLineOffsetAndFix() {
    byte[] bytes = "text,label\ngood,pos\ncaf\u00e9,neg\n".getBytes(StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> readAll(bytes))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "in.txt, line 3 (byte offset 23): byte 0xE9 is not valid UTF-8; dpft reads UTF-8"
                + " only: convert the data, e.g. iconv -f latin1 -t utf-8 IN > OUT");
  }

  @Test
  void invalidByteFarIntoTheInput_countsLinesAndBytesOfEarlierBuffers() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    String line = "ok ünïcödé line\n";
    int lines = 3000;
    for (int i = 0; i < lines; i++) {
      bytes.write(line.getBytes(StandardCharsets.UTF_8));
    }
    long offset = bytes.size() + 2;
    bytes.write(new byte[] {'a', 'b', (byte) 0xFF, '\n'});
    assertThatThrownBy(() -> readAll(bytes.toByteArray()))
        .hasMessageStartingWith(
            "in.txt, line " + (lines + 1) + " (byte offset " + offset + "): byte 0xFF");
  }

  @Test
  void truncatedSequenceAtTheEnd_throws() {
    byte[] bytes = {'o', 'k', '\n', (byte) 0xC3};
    assertThatThrownBy(() -> readAll(bytes))
        .hasMessageStartingWith("in.txt, line 2 (byte offset 3): byte 0xC3 is not valid UTF-8");
  }
}
