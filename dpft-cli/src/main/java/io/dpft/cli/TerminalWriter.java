package io.dpft.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A writer on one of the process's standard streams that knows whether that stream is a terminal,
 * so that output that redraws in place ({@link ProgressBar}) is only written where a terminal
 * interprets it. {@link System#console()} cannot say: on JDK 17 it looks at stdin and stdout, not
 * at stderr, and from JDK 22 it is non-null even when output is redirected. On Linux the answer
 * is where {@code /proc/self/fd/N} points (a {@code /dev/pts/*} or {@code /dev/tty*} device);
 * elsewhere the stream counts as not a terminal, which only costs the redraws.
 */
final class TerminalWriter extends PrintWriter {
  private final boolean terminal;

  private TerminalWriter(OutputStream stream, boolean terminal) {
    super(new OutputStreamWriter(stream, Charset.defaultCharset()), true);
    this.terminal = terminal;
  }

  /** The process's stderr. */
  static TerminalWriter stderr() {
    return new TerminalWriter(new FileOutputStream(FileDescriptor.err), isTerminal(2));
  }

  /** Whether {@code writer} writes to a terminal: only a {@link TerminalWriter} on one does. */
  static boolean isTerminal(PrintWriter writer) {
    return writer instanceof TerminalWriter t && t.terminal;
  }

  /** Whether the process's file descriptor {@code fd} is a terminal device (Linux). */
  static boolean isTerminal(int fd) {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }
}
