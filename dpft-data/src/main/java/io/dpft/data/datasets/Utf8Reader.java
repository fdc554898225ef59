package io.dpft.data.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Decodes UTF-8 strictly, and rejects the first invalid byte with an {@link
 * IllegalArgumentException} that names the source, the line and the byte offset, and says how to
 * convert the file. A lenient decoder would turn such bytes into U+FFFD and train or predict on
 * the garbage; the JDK's strict one throws a {@code MalformedInputException} that names neither
 * file nor line. The error is one of the whole input, so readers never skip it as a bad row.
 */
public final class Utf8Reader extends Reader {
  private static final int BUFFER_SIZE = 8192;

  private final String source;
  private final InputStream in;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final ByteBuffer bytes = ByteBuffer.allocate(BUFFER_SIZE).flip();
  private final CharBuffer chars = CharBuffer.allocate(BUFFER_SIZE).flip();
  /** Bytes of the input before {@code bytes}' index 0. */
  private long bytesBefore;
  /** Line feeds among the characters decoded so far. */
  private long lineFeeds;
  private boolean endOfInput;

  /**
   * @param source names the input in errors: a file name or "standard input"
   * @param in UTF-8 bytes, closed with this reader
   */
  public Utf8Reader(String source, InputStream in) {
    this.source = Objects.requireNonNull(source, "source");
    this.in = Objects.requireNonNull(in, "in");
  }

  /** A reader of {@code file}, named by its path in errors. */
  public static Utf8Reader open(Path file) throws IOException {
    return new Utf8Reader(file.toString(), Files.newInputStream(file));
  }

  @Override
  public int read(char[] target, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, target.length);
    if (length == 0) {
      return 0;
    }
    if (!chars.hasRemaining() && !decodeMore()) {
      return -1;
    }
    int n = Math.min(length, chars.remaining());
    chars.get(target, offset, n);
    return n;
  }

  /** Refills the drained {@code chars} with at least one character; false at the end of input. */
  private boolean decodeMore() throws IOException {
    chars.clear();
    while (chars.position() == 0 && !(endOfInput && !bytes.hasRemaining())) {
      if (!endOfInput) {
        readBytes();
      }
      int start = chars.position();
      CoderResult result = decoder.decode(bytes, chars, endOfInput);
      for (int i = start; i < chars.position(); i++) {
        if (chars.get(i) == '\n') {
          lineFeeds++;
        }
      }
      if (result.isError()) {
        throw invalid();
      }
    }
    chars.flip();
    return chars.hasRemaining();
  }

  private void readBytes() throws IOException {
    bytesBefore += bytes.position();
    bytes.compact();
    int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
    if (n < 0) {
      endOfInput = true;
    } else {
      bytes.position(bytes.position() + n);
    }
    bytes.flip();
  }

  /** The error at {@code bytes}' position, where the decoder stopped at the invalid sequence. */
  private IllegalArgumentException invalid() {
    return new IllegalArgumentException(
        String.format(
            Locale.ROOT,
            "%s, line %d (byte offset %d): byte 0x%02X is not valid UTF-8; dpft reads UTF-8"
                + " only: convert the data, e.g. iconv -f latin1 -t utf-8 IN > OUT",
            source,
            lineFeeds + 1,
            bytesBefore + bytes.position(),
            bytes.get(bytes.position()) & 0xFF));
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
