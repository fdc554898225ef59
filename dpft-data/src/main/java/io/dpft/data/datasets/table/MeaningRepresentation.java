package io.dpft.data.datasets.table;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * An E2E meaning representation: comma-separated slots {@code key[value]}, e.g. {@code name[The
 * Vaults], eatType[pub], priceRange[more than £30]}.
 *
 * <p>{@link #linearised()} writes the table prompt in the format of Li and Liang (2021,
 * "Prefix-Tuning", ACL), also used for DP fine-tuning of GPT-2 on E2E by Li et al. (2022, "Large
 * Language Models Can Be Strong Differentially Private Learners", ICLR): {@code key : value}
 * joined by {@code " | "}, with {@code eatType} written {@code Type}, {@code priceRange} {@code
 * price} and {@code familyFriendly} {@code family friendly}; values are kept verbatim.
 */
public record MeaningRepresentation(List<Slot> slots) {
  private static final Map<String, String> PROMPT_KEYS =
      Map.of("eatType", "Type", "priceRange", "price", "familyFriendly", "family friendly");

  /** One attribute of the table. */
  public record Slot(String key, String value) {
    public Slot {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }
  }

  public MeaningRepresentation {
    slots = List.copyOf(slots);
    if (slots.isEmpty()) {
      throw new IllegalArgumentException("a meaning representation needs at least one slot");
    }
  }

  /**
   * Parses {@code key[value], key[value], ...}.
   *
   * @throws IllegalArgumentException naming the 1-based character position of the problem
   */
  public static MeaningRepresentation parse(String text) {
    List<Slot> slots = new ArrayList<>();
    int i = 0;
    int n = text.length();
    while (true) {
      i = skipSpaces(text, i);
      int open = text.indexOf('[', i);
      if (open < 0) {
        throw new IllegalArgumentException(
            "expected key[value] at character " + (i + 1) + " of '" + text + "'");
      }
      int close = text.indexOf(']', open);
      if (close < 0) {
        throw new IllegalArgumentException(
            "unclosed '[' at character " + (open + 1) + " of '" + text + "'");
      }
      String key = text.substring(i, open).trim();
      if (key.isEmpty() || key.contains(",")) {
        throw new IllegalArgumentException(
            "expected a slot name before '[' at character " + (open + 1) + " of '" + text + "'");
      }
      slots.add(new Slot(key, text.substring(open + 1, close).trim()));
      i = skipSpaces(text, close + 1);
      if (i == n) {
        return new MeaningRepresentation(slots);
      }
      if (text.charAt(i) != ',') {
        throw new IllegalArgumentException(
            "expected ',' between slots at character " + (i + 1) + " of '" + text + "'");
      }
      i++;
    }
  }

  private static int skipSpaces(String text, int i) {
    while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
      i++;
    }
    return i;
  }

  /** The table prompt, e.g. {@code name : The Vaults | Type : pub | price : more than £30}. */
  public String linearised() {
    return slots.stream()
        .map(s -> PROMPT_KEYS.getOrDefault(s.key(), s.key()) + " : " + s.value())
        .collect(Collectors.joining(" | "));
  }
}
