package io.dpft.data.datasets;

import java.util.List;

/**
 * What a reader skipped with skip-bad-rows on: how many rows, and the messages (file, line,
 * column, problem) of the first {@link BadRows#KEPT_MESSAGES} of them.
 */
public record SkipReport(long skipped, List<String> firstMessages) {
  public static final SkipReport NONE = new SkipReport(0, List.of());

  public SkipReport {
    if (skipped < 0) {
      throw new IllegalArgumentException("skipped must be >= 0, got " + skipped);
    }
    firstMessages = List.copyOf(firstMessages);
  }

  /** This report followed by {@code other}, as for a dataset read from several files. */
  public SkipReport plus(SkipReport other) {
    List<String> messages =
        java.util.stream.Stream.concat(firstMessages.stream(), other.firstMessages.stream())
            .limit(BadRows.KEPT_MESSAGES)
            .toList();
    return new SkipReport(skipped + other.skipped, messages);
  }

  @Override
  public String toString() {
    if (skipped == 0) {
      return "no rows skipped";
    }
    return "skipped "
        + skipped
        + " malformed row(s); first: "
        + String.join(" | ", firstMessages);
  }
}
