package io.dpft.data.datasets;

import java.util.ArrayList;
import java.util.List;

/**
 * The skip-bad-rows policy of one read: with skipping off a malformed row is thrown at once; with
 * it on, it is counted and its message kept (the first {@value #KEPT_MESSAGES}) for the {@link
 * SkipReport}.
 */
public final class BadRows {
  /** How many skipped-row messages a report keeps. */
  public static final int KEPT_MESSAGES = 10;

  private final boolean skip;
  private final List<String> messages = new ArrayList<>();
  private long skipped;

  public BadRows(boolean skipBadRows) {
    this.skip = skipBadRows;
  }

  /** Throws {@code row} unless skipping; otherwise records it. */
  public void report(MalformedRowException row) {
    if (!skip) {
      throw row;
    }
    skipped++;
    if (messages.size() < KEPT_MESSAGES) {
      messages.add(row.getMessage());
    }
  }

  public SkipReport toReport() {
    return new SkipReport(skipped, messages);
  }
}
