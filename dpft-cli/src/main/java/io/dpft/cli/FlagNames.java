package io.dpft.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Turns the library's parameter names in an error message into the command's flags: a flag is the
 * kebab-case of the library name ({@code sampleRate} ↔ {@code --sample-rate}), so {@code
 * "sampleRate must be in (0, 1], got 1.5"} becomes {@code "--sample-rate must be in (0, 1], got
 * 1.5"}. Names of several words are replaced wherever they stand; one-word names ({@code delta},
 * {@code steps}) only where they are the subject ({@code "delta must ..."}) or assigned ({@code
 * "steps=0"}), so that prose such as "after 10 steps" stays as it is.
 */
final class FlagNames {
  private FlagNames() {}

  static String inMessage(String message, CommandSpec spec) {
    if (message == null) {
      return "";
    }
    String text = message;
    for (OptionSpec option : spec.options()) {
      String flag = option.longestName();
      if (!flag.startsWith("--") || option.hidden()) { // an old spelling: name the current one
        continue;
      }
      String name = camelCase(flag.substring(2));
      boolean oneWord = name.equals(name.toLowerCase(Locale.ROOT));
      Pattern pattern =
          Pattern.compile(
              "(?<![\\w-])" + Pattern.quote(name) + (oneWord ? "(?=\\s+must\\b|=)" : "\\b"));
      text = pattern.matcher(text).replaceAll(Matcher.quoteReplacement(flag));
    }
    return text;
  }

  /** {@code sample-rate} → {@code sampleRate}. */
  static String camelCase(String kebab) {
    StringBuilder camel = new StringBuilder(kebab.length());
    boolean upper = false;
    for (char c : kebab.toCharArray()) {
      if (c == '-') {
        upper = true;
      } else {
        camel.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return camel.toString();
  }
}
