package io.dpft.cli;

import io.dpft.data.datasets.SkipReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The one-line note on stderr of what {@code --skip-bad-rows} skipped in a data file, so that
 * skipping is never silent: {@code note: --data train.csv: skipped 3 malformed rows (first: line
 * 7, column 5: label 'maybe' is not one of [neg, pos])}.
 */
final class SkipNote {
  private SkipNote() {}

  /** Prints the note of {@code file}, named by {@code flag}, if it had rows skipped. */
  static void print(PrintWriter err, String flag, Path file, SkipReport skipped) {
    long n = skipped.skipped();
    if (n == 0) {
      return;
    }
    err.printf(
        Locale.ROOT,
        "note: %s %s: skipped %d malformed row%s%s%n",
        flag,
        file,
        n,
        n == 1 ? "" : "s",
        skipped.firstMessages().isEmpty()
            ? ""
            : " (first: " + withoutFileName(skipped.firstMessages().get(0), file) + ")");
    err.flush();
  }

  /** A row's message without the leading file name, which the note already gives. */
  private static String withoutFileName(String message, Path file) {
    String prefix = file + ", ";
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }
}
