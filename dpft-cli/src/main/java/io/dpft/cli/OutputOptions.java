package io.dpft.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --json}: one JSON object on stdout for scripts, or text rows for people. */
final class OutputOptions {

  @Option(
      names = "--json",
      order = 90,
      description = "print one JSON object on stdout instead of text")
  private boolean json;

  void print(PrintWriter out, ObjectNode object, List<String> text) {
    if (json) {
      try {
        out.println(PrivacyReport.JSON.writeValueAsString(object));
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
    } else {
      text.forEach(out::println);
    }
    out.flush();
  }
}
