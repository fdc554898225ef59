package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.core.io.SafetensorsWriter;
import io.dpft.core.models.VitConfig;
import io.dpft.core.models.VitModel;
import io.dpft.core.nn.Activation;
import io.dpft.core.train.RunManifest;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpft train/eval/predict --task image-classification} on folders of generated PNGs: gray
 * 12×12 noise images of two classes, with or without a bright bar, and a tiny randomly
 * initialised ViT (8 px, 3 channels, no classifier) saved as a Hugging Face directory. The run is
 * trained once; {@code eval}'s accuracy is checked against {@code predict}'s arg-max labels counted
 * here, and against the test score the training run logged.
 */
class ImageClassificationCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> CLASSES = List.of("bright", "dark");

  @TempDir static Path dir;
  private static Path modelDir;
  private static Path runDir;
  private static Cli training;

  @BeforeAll
  static void train() throws IOException {
    modelDir = tinyVit(dir.resolve("vit"));
    writeImages(dir.resolve("train"), 24, 1);
    writeImages(dir.resolve("validation"), 8, 2);
    writeImages(dir.resolve("test"), 10, 3);
    runDir = dir.resolve("run");
    torch.manual_seed(4); // the fresh classifier
    training = Cli.run("train", "--task", "image-classification", "--model", modelDir.toString(),
        "--data", dir.resolve("train").toString(),
        "--validation-data", dir.resolve("validation").toString(),
        "--test-data", dir.resolve("test").toString(), "--no-dp", "--method", "full",
        "--epochs", "10", "--batch-size", "8", "--physical-batch-size", "8", "--lr", "1e-2",
        "--seed", "5", "--run-dir", runDir.toString());
  }

  /** A 1-layer ViT, hidden 16, 8 px images in 4 px patches, saved without a classifier. */
  private static Path tinyVit(Path target) throws IOException {
    Files.createDirectories(target);
    ObjectNode config = JSON.createObjectNode()
        .put("model_type", "vit").put("hidden_size", 16).put("num_hidden_layers", 1)
        .put("num_attention_heads", 2).put("intermediate_size", 32).put("image_size", 8)
        .put("patch_size", 4).put("num_channels", 3);
    JSON.writeValue(target.resolve("config.json").toFile(), config);
    torch.manual_seed(2);
    try (VitModel model = new VitModel(VitConfig.read(target.resolve("config.json")), 0)) {
      SafetensorsWriter.writeTensors(
          target.resolve("model.safetensors"), model.namedParameters(), Map.of());
    }
    return target;
  }

  /** {@code n} gray PNGs under {@code root/bright} and {@code root/dark}, alternately. */
  private static void writeImages(Path root, int n, long seed) throws IOException {
    Random random = new Random(seed);
    for (int i = 0; i < n; i++) {
      int label = i % 2;
      BufferedImage image = new BufferedImage(12, 12, BufferedImage.TYPE_BYTE_GRAY);
      for (int y = 0; y < 12; y++) {
        for (int x = 0; x < 12; x++) {
          boolean bar = label == 0 && x >= 4 && x < 8;
          image.getRaster().setSample(x, y, 0, bar ? 200 + random.nextInt(56) : random.nextInt(64));
        }
      }
      Path file = root.resolve(CLASSES.get(label)).resolve(i + ".png");
      Files.createDirectories(file.getParent());
      ImageIO.write(image, "png", file.toFile());
    }
  }

  private static List<Path> testImages() throws IOException {
    List<Path> files = new ArrayList<>();
    for (String label : CLASSES) {
      try (var listing = Files.list(dir.resolve("test").resolve(label))) {
        listing.sorted().forEach(files::add);
      }
    }
    return files;
  }

  /** The test scores the training run logged last in metrics.jsonl. */
  private static JsonNode loggedTest() throws IOException {
    JsonNode last = null;
    for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
      JsonNode node = JSON.readTree(line);
      if ("test".equals(node.path("split").asText())) {
        last = node;
      }
    }
    return last;
  }

  @Test
  void train_imageFolders_writesAnImageRunThatLearnt() throws IOException {
    assertThat(training.exitCode()).as(training.err()).isZero();
    assertThat(training.out()).contains("validation accuracy").contains("run written to");
    RunManifest manifest = RunManifest.read(runDir);
    assertThat(manifest.task()).isEqualTo("image-classification");
    assertThat(manifest.labels()).isEqualTo(CLASSES);
    assertThat(manifest.datasetSizes()).containsEntry("train", 24).containsEntry("test", 10);
    assertThat(loggedTest().path("accuracy").asDouble()).as(Files.readString(runDir.resolve("metrics.jsonl")) + training.err()).isGreaterThanOrEqualTo(0.8);
  }

  @Test
  void eval_testFolder_matchesTheLoggedTestScoresAndPredictsLabels() throws IOException {
    Cli eval = Cli.run("eval", "--task", "image-classification", "--checkpoint",
        runDir.toString(), "--data", dir.resolve("test").toString(), "--json");
    assertThat(eval.exitCode()).as(eval.err()).isZero();
    JsonNode json = eval.json();
    JsonNode logged = loggedTest();
    assertThat(json.get("accuracy").asDouble())
        .isCloseTo(logged.path("accuracy").asDouble(), within(1e-12));
    assertThat(json.get("top5_accuracy").asDouble()).isEqualTo(1.0);
    assertThat(json.get("f1").asDouble()).isCloseTo(logged.path("f1").asDouble(), within(1e-12));
    assertThat(json.get("n").asInt()).isEqualTo(10);

    List<Path> images = testImages();
    List<String> args = new ArrayList<>(List.of("predict", "--checkpoint", runDir.toString()));
    images.forEach(p -> args.add(p.toString()));
    Cli predict = Cli.run(args.toArray(String[]::new));
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    List<JsonNode> lines = predict.jsonValues();
    assertThat(lines).hasSize(images.size());
    int correct = 0;
    for (int i = 0; i < lines.size(); i++) {
      JsonNode line = lines.get(i);
      assertThat(line.get("input").asText()).isEqualTo(images.get(i).toString());
      double dark = line.get("probabilities").get("dark").asDouble();
      double bright = line.get("probabilities").get("bright").asDouble();
      assertThat(dark + bright).isCloseTo(1, within(1e-6));
      assertThat(line.get("label").asText()).isEqualTo(dark > bright ? "dark" : "bright");
      if (line.get("label").asText().equals(images.get(i).getParent().getFileName().toString())) {
        correct++;
      }
    }
    assertThat(json.get("accuracy").asDouble()).isCloseTo(correct / 10.0, within(1e-12));
  }

  @Test
  void predict_pathsOnInputLines_equalsPathsAsArguments() throws IOException {
    List<Path> images = testImages().subList(0, 3);
    Path input = Files.write(dir.resolve("paths.txt"),
        List.of(images.get(0).toString(), "", images.get(1).toString(), images.get(2).toString()));
    Cli fromFile = Cli.run("predict", "--checkpoint", runDir.toString(), "--input", input.toString());
    Cli fromArgs = Cli.run("predict", "--checkpoint", runDir.toString(), images.get(0).toString(),
        images.get(1).toString(), images.get(2).toString());
    assertThat(fromFile.exitCode()).as(fromFile.err()).isZero();
    assertThat(fromFile.jsonValues()).hasSize(3).isEqualTo(fromArgs.jsonValues());
  }

  @Test
  void predict_missingImage_exitsTwoNamingIt_withoutOutput() {
    Path missing = dir.resolve("nope.png");
    Cli cli = Cli.run("predict", "--checkpoint", runDir.toString(), missing.toString());
    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("image " + missing + " is not a file").doesNotContain("at io.dpft");
    assertThat(cli.out()).isEmpty();
  }

  @Test
  void eval_missingData_exitsTwoNamingIt() {
    Path missing = dir.resolve("nowhere");
    Cli cli = Cli.run("eval", "--checkpoint", runDir.toString(), "--data", missing.toString());
    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("--data " + missing + " does not exist");
  }

  @Test
  void eval_dataWithUnknownLabel_exitsTwoNamingIt() throws IOException {
    Path other = dir.resolve("other");
    writeImages(other, 2, 9);
    Files.move(other.resolve("bright"), other.resolve("middle"));
    Cli cli = Cli.run("eval", "--checkpoint", runDir.toString(), "--data", other.toString());
    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("has labels [middle]").doesNotContain("at io.dpft");
  }

  @Test
  void eval_runOnFiles_withoutData_asksForData() {
    Cli cli = Cli.run("eval", "--checkpoint", runDir.toString());
    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("pass its images with --data PATH");
  }

  @Test
  void train_textDatasetForImages_exitsTwoNamingTheChoices() {
    Cli cli = Cli.run("train", "--task", "image-classification", "--model", modelDir.toString(),
        "--dataset", "sentiment", "--run-dir", dir.resolve("r1").toString());
    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("--dataset fashion-mnist or on --data PATH")
        .contains("got --dataset sentiment");
  }

  @Test
  void train_unknownDataFormat_exitsTwoNamingTheFormats() throws IOException {
    Path notes = Files.writeString(dir.resolve("notes.txt"), "not images");
    Cli cli = Cli.run("train", "--task", "image-classification", "--model", modelDir.toString(),
        "--data", notes.toString(), "--run-dir", dir.resolve("r2").toString());
    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("unknown image data format").contains("CIFAR-10")
        .doesNotContain("at io.dpft");
  }

  @Test
  void train_missingData_exitsTwoNamingIt() {
    Path missing = dir.resolve("gone");
    Cli cli = Cli.run("train", "--task", "image-classification", "--model", modelDir.toString(),
        "--data", missing.toString(), "--run-dir", dir.resolve("r3").toString());
    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("--data: image data " + missing + " does not exist");
  }

  @Test
  void train_withoutModel_asksForAVitDirectory() {
    Cli cli = Cli.run("train", "--task", "image-classification", "--data",
        dir.resolve("train").toString(), "--run-dir", dir.resolve("r4").toString());
    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("needs --model DIR");
  }

  @Test
  void train_bertModelForImages_exitsTwoNamingTheModelType() throws IOException {
    Path bert = Files.createDirectories(dir.resolve("bert"));
    Files.writeString(bert.resolve("config.json"), "{\"model_type\": \"bert\"}");
    Files.copy(modelDir.resolve("model.safetensors"), bert.resolve("model.safetensors"));
    Cli cli = Cli.run("train", "--task", "image-classification", "--model", bert.toString(),
        "--data", dir.resolve("train").toString(), "--run-dir", dir.resolve("r5").toString());
    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("model_type 'bert' is not supported by VitModel");
  }
}
