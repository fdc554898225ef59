package io.dpft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.cli.report.JsonLines;
import io.dpft.core.tasks.TaskKind;
import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.datasets.image.RawImage;
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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dpft predict}: class probabilities and the arg-max label of a trained run for each input,
 * as JSON Lines. The input is either plain text, one example per line, or JSON Lines with a {@code
 * text} (and optional {@code text_pair}) field per object: it is JSON Lines when its first
 * non-blank line starts with {@code '{'}. Blank lines are passed over. The whole input is read and
 * checked before anything is printed, so a malformed line gives an error and no partial output.
 * For an image-classification run the inputs are image files (arguments, or paths one per line)
 * and each output line has {@code "input"}: the path.
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
      "The label is the most probable one; blank input lines are skipped.",
      "For an image-classification run, the inputs are image files (PNG, JPEG, BMP, GIF) given as"
          + " arguments or as paths, one per line, and each line is:",
      "  {\"input\": path, \"label\": ..., \"probabilities\": {label: p, ...}}"
    },
    footer = {
      "dpft predict --checkpoint runs/sentiment --input reviews.txt",
      "echo 'A wonderful film.' | dpft predict --checkpoint runs/sentiment",
      "dpft predict --checkpoint runs/fashion shirt.png boot.png"
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

  @Parameters(
      paramLabel = "IMAGE",
      arity = "0..*",
      description = "image files to classify (image-classification runs); default: the paths in"
          + " --input or standard input, one per line")
  private List<Path> images = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    TaskKind task = run.task();
    if (task == TaskKind.IMAGE_CLASSIFICATION) {
      return predictImages();
    }
    if (!images.isEmpty()) {
      throw new IllegalArgumentException("IMAGE arguments are for image-classification runs; this"
          + " run is " + task + ": pass texts with --input or on standard input");
    }
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

  /**
   * An image-classification run: {@code {"input": path, "label": ..., "probabilities": {...}}}
   * per image, in the order given; every image is read before anything is printed.
   */
  private int predictImages() throws IOException {
    List<Path> paths = images.isEmpty() ? readImagePaths() : images;
    List<RawImage> decoded = new ArrayList<>(paths.size());
    for (Path path : paths) {
      if (!Files.isRegularFile(path)) {
        throw new IllegalArgumentException("image " + path + " is not a file");
      }
      decoded.add(RawImage.read(path));
    }
    try (TrainedImageClassifier classifier = run.loadImageClassifier()) {
      LabelVocabulary labels = classifier.labels();
      PrintWriter out = spec.commandLine().getOut();
      for (int start = 0; start < paths.size(); start += CHUNK) {
        int end = Math.min(paths.size(), start + CHUNK);
        float[][] probabilities = classifier.probabilities("images", decoded.subList(start, end));
        for (int i = start; i < end; i++) {
          ObjectNode json = PrivacyReport.JSON.createObjectNode();
          json.put("input", paths.get(i).toString());
          labelled(json, probabilities[i - start], labels);
          out.println(PrivacyReport.JSON.writeValueAsString(json));
        }
        out.flush();
      }
    }
    return 0;
  }

  /** The non-blank lines of --input or standard input, each an image path. */
  private List<Path> readImagePaths() throws IOException {
    List<Path> paths = new ArrayList<>();
    try (BufferedReader reader = openInput()) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (!line.isBlank()) {
          paths.add(Path.of(line.strip()));
        }
      }
    }
    return paths;
  }

  /** Adds the most probable label and the probability of each label. */
  private static void labelled(ObjectNode json, float[] probabilities, LabelVocabulary labels) {
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
  }

  private static ObjectNode line(
      TextExample example, float[] probabilities, LabelVocabulary labels) {
    ObjectNode json = PrivacyReport.JSON.createObjectNode();
    json.put("text", example.text());
    if (example.isPair()) {
      json.put("text_pair", example.textPair());
    }
    labelled(json, probabilities, labels);
    return json;
  }

  /** --input, or standard input without it, as UTF-8. */
  private BufferedReader openInput() throws IOException {
    if (input != null && !Files.isRegularFile(input)) {
      throw new IllegalArgumentException("--input " + input + " is not a file");
    }
    return input == null
        ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
        : Files.newBufferedReader(input, StandardCharsets.UTF_8);
  }

  private List<TextExample> readInput() throws IOException {
    String source = input == null ? STDIN : input.toString();
    List<TextExample> examples = new ArrayList<>();
    try (BufferedReader reader = openInput()) {
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
