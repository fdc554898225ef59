package io.dpft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.cli.report.JsonLines;
import io.dpft.core.tasks.TaskKind;
import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.TextExample;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dpft predict}: class probabilities and the arg-max label of a trained run for each input,
 * as JSON Lines. The input is either plain text, one example per line, or JSON Lines with a {@code
 * text} (and optional {@code text_pair}) field per object: it is JSON Lines when its first
 * non-blank line starts with {@code '{'}. Blank lines are passed over. The whole input is read and
 * checked before anything is printed, so a malformed line gives an error and no partial output.
 */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    header = "Predict labels with a trained run, one JSON line per input.",
    description = {
      "Reads texts, one per line, or JSON Lines objects with a \"text\" (and optional"
          + " \"text_pair\") field, from a file or standard input, and writes one JSON line per"
          + " input to standard output:",
      "  {\"text\": ..., \"label\": ..., \"probabilities\": {label: p, ...}}",
      "The label is the most probable one; blank input lines are skipped."
    },
    footer = {
      "dpft predict --checkpoint runs/sentiment --input reviews.txt",
      "echo 'A wonderful film.' | dpft predict --checkpoint runs/sentiment"
    })
final class PredictCommand implements Callable<Integer> {
  /** Examples per call into the model. */
  private static final int CHUNK = 256;

  private static final String STDIN = "standard input";

  @Spec private CommandSpec spec;
  @Mixin private HelpLayout helpLayout;

  @Mixin private TrainedRunOptions run;

  @Option(
      names = "--input",
      paramLabel = "FILE",
      order = 3,
      description = "texts or JSON Lines to classify, UTF-8; default: standard input")
  private Path input;

  @Override
  public Integer call() throws Exception {
    TaskKind task = run.task();
    if (task != TaskKind.TEXT_CLASSIFICATION) {
      throw new IllegalArgumentException("dpft predict does not support " + task + " runs yet");
    }
    List<TextExample> examples = readInput();
    try (TrainedClassifier classifier = run.load()) {
      LabelVocabulary labels = classifier.labels();
      PrintWriter out = spec.commandLine().getOut();
      for (int start = 0; start < examples.size(); start += CHUNK) {
        List<TextExample> chunk = examples.subList(start, Math.min(examples.size(), start + CHUNK));
        float[][] probabilities = classifier.probabilities(chunk);
        for (int i = 0; i < chunk.size(); i++) {
          out.println(
              PrivacyReport.JSON.writeValueAsString(line(chunk.get(i), probabilities[i], labels)));
        }
        out.flush();
      }
    }
    return 0;
  }

  private static ObjectNode line(
      TextExample example, float[] probabilities, LabelVocabulary labels) {
    ObjectNode json = PrivacyReport.JSON.createObjectNode();
    json.put("text", example.text());
    if (example.isPair()) {
      json.put("text_pair", example.textPair());
    }
    int best = 0;
    for (int k = 1; k < probabilities.length; k++) {
      if (probabilities[k] > probabilities[best]) {
        best = k;
      }
    }
    json.put("label", labels.name(best));
    ObjectNode byLabel = json.putObject("probabilities");
    for (int k = 0; k < probabilities.length; k++) {
      byLabel.put(labels.name(k), probabilities[k]);
    }
    return json;
  }

  private List<TextExample> readInput() throws IOException {
    if (input != null && !Files.isRegularFile(input)) {
      throw new IllegalArgumentException("--input " + input + " is not a file");
    }
    String source = input == null ? STDIN : input.toString();
    List<TextExample> examples = new ArrayList<>();
    try (BufferedReader reader =
        input == null
            ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
            : Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
      Boolean jsonLines = null;
      long number = 0;
      for (String text = reader.readLine(); text != null; text = reader.readLine()) {
        number++;
        if (text.isBlank()) {
          continue;
        }
        if (jsonLines == null) {
          jsonLines = text.stripLeading().startsWith("{");
        }
        examples.add(
            jsonLines
                ? fromJson(source, number, text)
                : TextExample.single(text, TextExample.UNLABELED));
      }
    }
    return examples;
  }

  /** One JSON Lines object: {@code text} (a string) and an optional {@code text_pair}. */
  private static TextExample fromJson(String source, long number, String line) {
    JsonNode node = JsonLines.object(source, number, line);
    if (!node.path("text").isTextual()) {
      throw JsonLines.malformed(
          source, number, "expected a string field \"text\", got " + node.get("text"));
    }
    JsonNode pair = node.path("text_pair");
    if (!pair.isMissingNode() && !pair.isNull() && !pair.isTextual()) {
      throw JsonLines.malformed(
          source, number, "field \"text_pair\" must be a string, got " + pair);
    }
    return new TextExample(
        node.get("text").asText(), pair.isTextual() ? pair.asText() : null, TextExample.UNLABELED);
  }
}
