package io.dpft.core;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * An enum constant with a name on the command line (and, for some, in a run's
 * {@code config.json}), and the one parser from that name back to the constant.
 */
public interface CliNamed {
  /** The name on the command line. */
  String cliName();

  /**
   * The constant of {@code type} whose {@link #cliName} is {@code name}, ignoring case and
   * surrounding blanks.
   *
   * @param what what the constants are, for the message ("precision", "task", …)
   * @throws IllegalArgumentException "{@code what} must be one of …, got '{@code name}'"
   */
  static <E extends Enum<E> & CliNamed> E parse(Class<E> type, String what, String name) {
    String wanted = name.trim();
    E[] constants = type.getEnumConstants();
    for (E constant : constants) {
      if (constant.cliName().equalsIgnoreCase(wanted)) {
        return constant;
      }
    }
    throw new IllegalArgumentException(what + " must be one of "
        + Arrays.stream(constants).map(CliNamed::cliName).collect(Collectors.joining(", "))
        + ", got '" + name + "'");
  }
}
