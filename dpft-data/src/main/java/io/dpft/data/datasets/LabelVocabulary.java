package io.dpft.data.datasets;

import java.math.BigInteger;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The label names of a dataset; an example's label is an index into {@link #names()}. A label's
 * name is its value as written in the file ({@code "0"}, {@code "entailment"}, {@code "spam"}).
 *
 * <p>An inferred vocabulary ({@link #inferred}) is sorted so that it does not depend on row order:
 * numerically when every label is an integer ({@code "2" < "10"}), otherwise by {@link
 * String#compareTo} (UTF-16 code units, so {@code "B" < "a"}).
 */
public record LabelVocabulary(List<String> names) {
  /** The vocabulary of unlabelled data. */
  public static final LabelVocabulary NONE = new LabelVocabulary(List.of());

  public LabelVocabulary {
    names = List.copyOf(names);
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      Integer previous = seen.put(names.get(i), i);
      if (previous != null) {
        throw new IllegalArgumentException(
            "label names must be distinct, got '" + names.get(i) + "' at " + previous + " and " + i);
      }
    }
  }

  public static LabelVocabulary of(String... names) {
    return new LabelVocabulary(List.of(names));
  }

  /** The sorted vocabulary of the distinct labels observed (see the class comment for order). */
  public static LabelVocabulary inferred(Collection<String> observed) {
    boolean allIntegers = observed.stream().allMatch(LabelVocabulary::isInteger);
    Comparator<String> order =
        allIntegers ? Comparator.comparing(BigInteger::new) : Comparator.naturalOrder();
    TreeSet<String> sorted = new TreeSet<>(order);
    sorted.addAll(observed);
    return new LabelVocabulary(List.copyOf(sorted));
  }

  private static boolean isInteger(String s) {
    return s.matches("[+-]?\\d+");
  }

  public int size() {
    return names.size();
  }

  public String name(int index) {
    return names.get(index);
  }

  /** The index of {@code name}, or -1 when it is not in the vocabulary. */
  public int indexOf(String name) {
    return names.indexOf(name);
  }
}
