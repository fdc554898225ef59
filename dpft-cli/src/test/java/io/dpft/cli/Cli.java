package io.dpft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import picocli.CommandLine;

/** Runs dpft in-process with captured stdout and stderr, as Main would (without DPFT_DEBUG). */
record Cli(int exitCode, String out, String err) {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Runs {@code base} followed by {@code more}. */
  static Cli run(String[] base, String... more) {
    return run(args(base, more));
  }

  /** {@code base} followed by {@code more}. */
  static String[] args(String[] base, String... more) {
    String[] args = new String[base.length + more.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return args;
  }

  static Cli run(String... args) {
    return run(DpftCommand.newCommandLine(false), args);
  }

  static Cli run(CommandLine commandLine, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new Cli(exitCode, out.toString(), err.toString());
  }

  /** Every JSON value on stdout, in order (a well-behaved --json run has exactly one). */
  List<JsonNode> jsonValues() {
    try (MappingIterator<JsonNode> values = MAPPER.readerFor(JsonNode.class).readValues(out)) {
      return values.readAll();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The single JSON object on stdout. */
  JsonNode json() {
    List<JsonNode> values = jsonValues();
    if (values.size() != 1 || !values.get(0).isObject()) {
      throw new AssertionError("expected one JSON object on stdout, got: " + out + err);
    }
    return values.get(0);
  }

  List<String> errLines() {
    return err.lines().toList();
  }
}
