package io.dpft.data.metrics;

import java.util.List;
import java.util.regex.Pattern;

/** How BLEU splits text into tokens before counting n-grams. */
public enum BleuTokenizer {
  /**
   * The NIST {@code mteval-v13a.pl} tokenization, sacreBLEU's default ("13a"; Post, 2018, "A Call
   * for Clarity in Reporting BLEU Scores", WMT): unescape {@code &quot; &amp; &lt; &gt;}, split off
   * punctuation and symbols, split off periods and commas unless between digits, split a dash after
   * a digit.
   */
  THIRTEEN_A {
    @Override
    List<String> tokenize(String text) {
      String line = text.replace("<skipped>", "").replace("-\n", "").replace("\n", " ");
      if (line.indexOf('&') >= 0) {
        line =
            line.replace("&quot;", "\"")
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">");
      }
      line = " " + line + " ";
      line = SYMBOLS.matcher(line).replaceAll(" $1 ");
      line = PERIOD_COMMA_AFTER_NON_DIGIT.matcher(line).replaceAll("$1 $2 ");
      line = PERIOD_COMMA_BEFORE_NON_DIGIT.matcher(line).replaceAll(" $1 $2");
      line = DASH_AFTER_DIGIT.matcher(line).replaceAll("$1 $2 ");
      return WHITESPACE.tokenize(line);
    }
  },
  /** Split at whitespace only: for text that is already tokenized (NLTK-style token lists). */
  WHITESPACE {
    @Override
    List<String> tokenize(String text) {
      String trimmed = text.strip();
      return trimmed.isEmpty() ? List.of() : List.of(SPACES.split(trimmed));
    }
  };

  private static final Pattern SYMBOLS = Pattern.compile("([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@\\/])");
  private static final Pattern PERIOD_COMMA_AFTER_NON_DIGIT = Pattern.compile("([^0-9])([\\.,])");
  private static final Pattern PERIOD_COMMA_BEFORE_NON_DIGIT = Pattern.compile("([\\.,])([^0-9])");
  private static final Pattern DASH_AFTER_DIGIT = Pattern.compile("([0-9])(-)");
  private static final Pattern SPACES = Pattern.compile("\\s+");

  abstract List<String> tokenize(String text);
}
