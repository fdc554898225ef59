package io.dpft.cli;

import io.dpft.core.runs.ClassPrediction;
import io.dpft.core.runs.TrainedClassifier;
import io.dpft.core.runs.TrainedGenerator;
import io.dpft.core.runs.TrainedImageClassifier;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.cli.report.JsonLines;
import io.dpft.core.tasks.TaskKind;
import io.dpft.core.tasks.TextGeneration;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.datasets.Utf8Reader;
import io.dpft.data.datasets.image.RawImage;
import io.dpft.data.datasets.table.MeaningRepresentation;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
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
 *
 * <p>For a causal-lm run each input is a prompt (plain lines, or JSON Lines with an {@code input}
 * field): an E2E meaning representation is linearised as in training, anything else is used as
 * it is; the output is {@code {"input": ..., "generated": ...}} per input, greedy or by beam
 * search ({@link TextGeneration}).
 *
 * <p>For an image-classification run the inputs are image files (arguments, or paths one per line)
 * and each output line has {@code "input"}: the path.
 */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    header = "Predict labels (causal-lm: generate text) with a trained run, one JSON line per"
        + " input.",
    description = {
      "Reads texts, one per line, or JSON Lines objects with a \"text\" (and optional"
          + " \"text_pair\") field, from a file or standard input, and writes one JSON line per"
          + " input to standard output:",
      "  {\"text\": ..., \"label\": ..., \"probabilities\": {label: p, ...}}",
      "The label is the most probable one; blank input lines are skipped.",
      "A causal-lm run reads prompts, one per line (an E2E meaning representation such as"
          + " name[The Vaults], eatType[pub] is linearised as in training), or JSON Lines with an"
          + " \"input\" field, and writes {\"input\": ..., \"generated\": ...} per input.",
      "For an image-classification run, the inputs are image files (PNG, JPEG, BMP, GIF) given as"
          + " arguments or as paths, one per line, and each line is:",
      "  {\"input\": path, \"label\": ..., \"probabilities\": {label: p, ...}}"
    },
    footer = {
      "dpft predict --run-dir runs/sentiment --input reviews.txt",
      "echo 'A wonderful film.' | dpft predict --run-dir runs/sentiment",
      "echo 'name[The Vaults], eatType[pub]' | dpft predict --run-dir runs/e2e --beams 4",
      "dpft predict --run-dir runs/fashion shirt.png boot.png"
    })
final class PredictCommand implements Callable<Integer> {
  /** Examples per call into the model. */
  private static final int CHUNK = 256;

  private static final String STDIN = "standard input";

  @Spec private CommandSpec spec;
  @Mixin private HelpLayout helpLayout;

  @Mixin private TrainedRunOptions run;

  @Mixin private GenerationOptions generation;

  @Option(
      names = "--input",
      paramLabel = "FILE",
      order = 3,
      description = "texts or JSON Lines to classify (causal-lm: prompts), UTF-8; default:"
          + " standard input")
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
    if (task == TaskKind.CAUSAL_LM) {
      return generate();
    }
    List<TextExample> examples =
        readInput(PredictCommand::fromJson, text -> TextExample.single(text, TextExample.UNLABELED));
    try (TrainedClassifier classifier = run.load()) {
      PrintWriter out = spec.commandLine().getOut();
      for (int start = 0; start < examples.size(); start += CHUNK) {
        List<TextExample> chunk = examples.subList(start, Math.min(examples.size(), start + CHUNK));
        List<ClassPrediction> predictions = classifier.predict(chunk);
        for (int i = 0; i < chunk.size(); i++) {
          out.println(
              PrivacyReport.JSON.writeValueAsString(line(chunk.get(i), predictions.get(i))));
        }
        out.flush();
      }
    }
    return 0;
  }

  /** A causal-lm run: one {@code {"input", "generated"}} line per input. */
  private int generate() throws Exception {
    generation.check();
    List<String> inputs = readInput(PredictCommand::inputFromJson, text -> text);
    try (TrainedGenerator generator = run.loadGenerator()) {
      TextGeneration model = generator.generation(generation.maxNewTokens, generation.beams);
      PrintWriter out = spec.commandLine().getOut();
      for (int start = 0; start < inputs.size(); start += CHUNK) {
        List<String> chunk = inputs.subList(start, Math.min(inputs.size(), start + CHUNK));
        List<String> generated =
            model.complete(chunk.stream().map(PredictCommand::prompt).toList());
        for (int i = 0; i < chunk.size(); i++) {
          ObjectNode json = PrivacyReport.JSON.createObjectNode();
          json.put("input", chunk.get(i));
          json.put("generated", generated.get(i));
          out.println(PrivacyReport.JSON.writeValueAsString(json));
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
    List<Path> paths =
        images.isEmpty()
            ? readInput(
                (source, number, line) -> Path.of(inputFromJson(source, number, line)),
                text -> Path.of(text.strip()))
            : images;
    List<RawImage> decoded = new ArrayList<>(paths.size());
    for (Path path : paths) {
      if (!Files.isRegularFile(path)) {
        throw new IllegalArgumentException("image " + path + " is not a file");
      }
      decoded.add(RawImage.read(path));
    }
    try (TrainedImageClassifier classifier = run.loadImageClassifier()) {
      PrintWriter out = spec.commandLine().getOut();
      for (int start = 0; start < paths.size(); start += CHUNK) {
        int end = Math.min(paths.size(), start + CHUNK);
        List<ClassPrediction> predictions =
            classifier.predict("images", decoded.subList(start, end));
        for (int i = start; i < end; i++) {
          ObjectNode json = PrivacyReport.JSON.createObjectNode();
          json.put("input", paths.get(i).toString());
          labelled(json, predictions.get(i - start));
          out.println(PrivacyReport.JSON.writeValueAsString(json));
        }
        out.flush();
      }
    }
    return 0;
  }

  /**
   * The prompt of an input: an E2E meaning representation ({@code name[The Vaults], eatType[pub]})
   * is linearised as in training; anything else is taken as the prompt itself.
   */
  static String prompt(String input) {
    try {
      return MeaningRepresentation.parse(input).linearised();
    } catch (IllegalArgumentException notAMeaningRepresentation) {
      return input;
    }
  }

  /** One JSON Lines object of a causal-lm run: a string field {@code input}. */
  private static String inputFromJson(String source, long number, String line) {
    return requiredString(source, number, JsonLines.object(source, number, line), "input");
  }

  private static ObjectNode line(TextExample example, ClassPrediction prediction) {
    ObjectNode json = PrivacyReport.JSON.createObjectNode();
    json.put("text", example.text());
    if (example.isPair()) {
      json.put("text_pair", example.textPair());
    }
    labelled(json, prediction);
    return json;
  }

  /** Adds the most probable label and the probability of each label. */
  private static void labelled(ObjectNode json, ClassPrediction prediction) {
    json.put("label", prediction.label());
    ObjectNode byLabel = json.putObject("probabilities");
    prediction.probabilities().forEach(byLabel::put);
  }

  /** A JSON Lines object to an input; {@code number} is the 1-based line number. */
  private interface JsonInput<T> {
    T parse(String source, long number, String line);
  }

  /**
   * The non-blank lines of {@code --input} (or standard input): JSON Lines through {@code json}
   * when the first one starts with '{', else plain lines through {@code plain}. Bytes that are not
   * UTF-8 are an error naming the line ({@link Utf8Reader}), not text to predict on.
   */
  private <T> List<T> readInput(JsonInput<T> json, Function<String, T> plain) throws IOException {
    if (input != null && !Files.isRegularFile(input)) {
      throw new IllegalArgumentException("--input " + input + " is not a file");
    }
    String source = input == null ? STDIN : input.toString();
    List<T> examples = new ArrayList<>();
    try (BufferedReader reader =
        new BufferedReader(
            new Utf8Reader(source, input == null ? System.in : Files.newInputStream(input)))) {
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
        examples.add(jsonLines ? json.parse(source, number, text) : plain.apply(text));
      }
    }
    return examples;
  }

  /** One JSON Lines object: {@code text} (a string) and an optional {@code text_pair}. */
  private static TextExample fromJson(String source, long number, String line) {
    JsonNode node = JsonLines.object(source, number, line);
    String text = requiredString(source, number, node, "text");
    JsonNode pair = node.path("text_pair");
    if (!pair.isMissingNode() && !pair.isNull() && !pair.isTextual()) {
      throw JsonLines.malformed(
          source, number, "field \"text_pair\" must be a string, got " + pair);
    }
    return new TextExample(
        text, pair.isTextual() ? pair.asText() : null, TextExample.UNLABELED);
  }

  private static String requiredString(String source, long number, JsonNode node, String field) {
    if (!node.path(field).isTextual()) {
      throw JsonLines.malformed(source, number,
          "expected a string field \"" + field + "\", got " + node.get(field));
    }
    return node.get(field).asText();
  }
}
