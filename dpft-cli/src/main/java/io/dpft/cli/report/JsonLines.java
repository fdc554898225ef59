package io.dpft.cli.report;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One line of a JSON Lines file as a JSON object, with errors that name the file and line: {@code
 * "metrics.jsonl, line 7: not valid JSON (column 31: Unexpected end-of-input)"}.
 */
public final class JsonLines {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonLines() {}

  /**
   * Parses line {@code number} (1-based) of {@code source}.
   *
   * @throws IllegalArgumentException naming source and line when the text is not one JSON object
   */
  public static JsonNode object(String source, long number, String text) {
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JacksonException e) {
      String problem = e.getOriginalMessage();
      int detail = problem.indexOf(':');
      JsonLocation at = e.getLocation();
      throw malformed(
          source,
          number,
          "not valid JSON ("
              + (at != null && at.getColumnNr() > 0 ? "column " + at.getColumnNr() + ": " : "")
              + (detail > 0 ? problem.substring(0, detail) : problem)
              + ")");
    }
    if (node == null || !node.isObject()) {
      throw malformed(
          source,
          number,
          "expected a JSON object, got "
              + (text.length() <= 40 ? text : text.substring(0, 40) + "..."));
    }
    return node;
  }

  /** {@code "<source>, line <number>: <problem>"}. */
  public static IllegalArgumentException malformed(String source, long number, String problem) {
    return new IllegalArgumentException(source + ", line " + number + ": " + problem);
  }
}
