package io.dpft.privacy.accounting;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The accountants by their command-line names; strings become accountants only here. */
public enum AccountantKind {
  RDP,
  PRV,
  GDP;

  /** A new accountant of this kind with its default settings. */
  public PrivacyAccountant create() {
    switch (this) {
      case RDP:
        return new RdpAccountant();
      case PRV:
        return new PrvAccountant();
      case GDP:
        return new GdpAccountant();
      default:
        throw new AssertionError(this);
    }
  }

  /** The lower-case command-line name. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code rdp}, {@code prv} or {@code gdp} (any case). */
  public static AccountantKind parse(String name) {
    for (AccountantKind kind : values()) {
      if (kind.cliName().equalsIgnoreCase(name.trim())) {
        return kind;
      }
    }
    throw new IllegalArgumentException(
        "accountant must be one of "
            + Arrays.stream(values()).map(AccountantKind::cliName).collect(Collectors.joining(", "))
            + ", got '"
            + name
            + "'");
  }
}
