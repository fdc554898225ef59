package io.dpft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.cli.report.RunFiles;
import io.dpft.core.io.SafetensorsWriter;
import io.dpft.core.models.BertConfig;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.TokenBatch;
import io.dpft.core.nn.Activation;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.ParameterKind;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.TrainingCheckpoint;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.tokenize.TextTokenizer;
import io.dpft.data.tokenize.TokenEncoding;
import io.dpft.data.tokenize.TokenizerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A finished training run in a temporary directory, for eval/predict tests: a 2-layer, 8-wide BERT
 * (the real all-MiniLM-L6-v2 WordPiece tokenizer, so a 30,522-word vocabulary) saved as a Hugging
 * Face model directory; a "trained" copy of it, whose biases and classifier head were moved away
 * from the saved ones as BiTFiT would; and a run directory with config.json, metrics.jsonl and a
 * checkpoint holding exactly those trained parameters.
 *
 * <p>{@code reference} is the trained model itself, kept in memory: the independent reference for
 * what a command that rebuilds it from the files must compute. {@link #probabilities} runs it on
 * one example at a time (no padding, no batching) and does the softmax in double precision.
 */
final class TrainedRuns implements AutoCloseable {
  static final int MAX_LENGTH = 32;
  private static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

  /** Texts the head is centred on (see {@link #centreTheHead}). */
  static final List<String> CALIBRATION =
      List.of(
          "a wonderful, moving film",
          "the plot made no sense at all",
          "I loved every minute of it",
          "boring and far too long",
          "great acting, weak script",
          "the food was cold and bland",
          "friendly staff and quick service",
          "never again",
          "the battery lasts for days",
          "it broke after one week",
          "a masterpiece of quiet drama",
          "the worst purchase I ever made",
          "decent value for the price",
          "terrible customer support",
          "exactly what I hoped for",
          "the screen cracked on arrival");

  final Path runDirectory;
  final Path modelDirectory;
  final List<String> labels;
  private final BertModel reference;
  private final TextTokenizer tokenizer;

  private TrainedRuns(
      Path runDirectory,
      Path modelDirectory,
      List<String> labels,
      BertModel reference,
      TextTokenizer tokenizer) {
    this.runDirectory = runDirectory;
    this.modelDirectory = modelDirectory;
    this.labels = labels;
    this.reference = reference;
    this.tokenizer = tokenizer;
  }

  /** {@code n} rows "text,label" of a trivially learnable task: "good film i" pos, "bad film i" neg. */
  static Path goodOrBadFilms(Path file, int n) throws IOException {
    List<String> rows = new ArrayList<>(List.of("text,label"));
    for (int i = 0; i < n; i++) {
      rows.add((i % 2 == 0 ? "good" : "bad") + " film " + i + "," + (i % 2 == 0 ? "pos" : "neg"));
    }
    return Files.write(file, rows);
  }

  /**
   * A run of a classifier over {@code labels}, in {@code root}/run, its model in {@code
   * root}/model.
   */
  static TrainedRuns create(Path root, List<String> labels) throws IOException {
    return create(root, labels, 8);
  }

  /** As {@link #create(Path, List)}, with a model {@code width} wide (hidden size). */
  static TrainedRuns create(Path root, List<String> labels, int width) throws IOException {
    return create(root, labels, width, BertModel.Pooling.MEAN);
  }

  /**
   * As {@link #create(Path, List, int)}, pooling by {@code pooling} (CLS: through a pooler, which
   * the pretrained model then has).
   */
  static TrainedRuns create(Path root, List<String> labels, int width, BertModel.Pooling pooling)
      throws IOException {
    Path modelDir = Files.createDirectories(root.resolve("model"));
    try (InputStream in =
        TrainedRuns.class.getClassLoader().getResourceAsStream(TOKENIZER_RESOURCE)) {
      Files.copy(in, modelDir.resolve("tokenizer.json"));
    }
    ObjectNode config = new ObjectMapper().createObjectNode();
    config
        .put("model_type", "bert")
        .put("vocab_size", 30522)
        .put("hidden_size", width)
        .put("num_hidden_layers", 2)
        .put("num_attention_heads", 2)
        .put("intermediate_size", 2 * width)
        .put("hidden_act", "gelu")
        .put("hidden_dropout_prob", 0.0)
        .put("attention_probs_dropout_prob", 0.0)
        .put("max_position_embeddings", 64)
        .put("type_vocab_size", 2)
        .put("layer_norm_eps", 1e-12)
        .put("pad_token_id", 0);
    new ObjectMapper().writeValue(modelDir.resolve("config.json").toFile(), config);

    torch.manual_seed(11);
    BertModel model =
        new BertModel(
            new BertConfig(
                BertConfig.ModelType.BERT,
                30522,
                width,
                2,
                2,
                2 * width,
                Activation.GELU,
                0.0,
                0.0,
                64,
                2,
                1e-12,
                0),
            BertModel.Options.sequenceClassification(labels.size(), pooling));
    model.eval();
    // the pretrained encoder, without the task head (a fresh head, as in a real base model)
    Map<String, Tensor> pretrained = new LinkedHashMap<>(model.namedParameters());
    pretrained.keySet().removeIf(name -> name.startsWith("classifier."));
    SafetensorsWriter.writeTensors(modelDir.resolve("model.safetensors"), pretrained, Map.of());

    // "training": BiTFiT moves the biases and the head
    Map<String, Tensor> trained = new LinkedHashMap<>();
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      for (Map.Entry<String, Parameter> entry : model.parameters().entrySet()) {
        Parameter p = entry.getValue();
        boolean head = entry.getKey().startsWith("classifier.");
        if (head || p.kind() == ParameterKind.BIAS || p.kind() == ParameterKind.NORM_BIAS) {
          p.tensor().add_(torch.randn(p.shape()).mul(new Scalar(head ? 3.0 : 0.5)));
          trained.put(entry.getKey(), p.tensor());
        }
      }
    }
    TextTokenizer tokenizer = TextTokenizer.load(modelDir, TokenizerOptions.truncating(MAX_LENGTH));
    TrainedRuns run = new TrainedRuns(root.resolve("run"), modelDir, labels, model, tokenizer);
    run.centreTheHead();
    Path checkpoint = Files.createDirectories(run.runDirectory.resolve(RunManifest.CHECKPOINT));
    SafetensorsWriter.writeTensors(
        checkpoint.resolve(TrainingCheckpoint.TRAINABLE), trained, Map.of());
    TrainingCheckpoint.seal(checkpoint);
    RunFiles.write(
        run.runDirectory,
        RunFiles.manifest("tiny-bert", modelDir.toString(), "tiny.csv", labels, RunFiles.SECURE,
            pooling.name().toLowerCase(java.util.Locale.ROOT)));
    return run;
  }

  /**
   * Subtracts the mean logits over {@link #CALIBRATION} from the head's bias, as training a head on
   * balanced data would roughly do: otherwise the bias terms, the same for every input, decide
   * almost every prediction of so small a random model, and tests would see a single class.
   */
  private void centreTheHead() {
    double[] mean = new double[labels.size()];
    for (String text : CALIBRATION) {
      double[] z = logits(TextExample.single(text, TextExample.UNLABELED));
      for (int k = 0; k < mean.length; k++) {
        mean[k] += z[k] / CALIBRATION.size();
      }
    }
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      reference.parameters().get("classifier.bias").tensor().sub_(torch.tensor(toFloat(mean)));
    }
  }

  private static float[] toFloat(double[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }

  /** The classifier's outputs for one example, unpadded. */
  double[] logits(TextExample example) {
    TokenEncoding encoding = tokenizer.encode(example);
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor logits =
          reference.classify(
              TokenBatch.of(
                  new long[][] {encoding.ids()},
                  new long[][] {encoding.attentionMask()},
                  new long[][] {encoding.typeIds()}));
      double[] z = new double[labels.size()];
      for (int k = 0; k < z.length; k++) {
        z[k] = logits.get(0).get(k).item_double();
      }
      return z;
    }
  }

  /** p(label | example) of the trained model, one example at a time, softmax in double. */
  double[] probabilities(TextExample example) {
    double[] z = logits(example);
    double max = Arrays.stream(z).max().orElseThrow();
    double sum = 0;
    for (int k = 0; k < z.length; k++) {
      z[k] = Math.exp(z[k] - max);
      sum += z[k];
    }
    for (int k = 0; k < z.length; k++) {
      z[k] /= sum;
    }
    return z;
  }

  /** The index of the largest probability (the first on a tie). */
  static int argMax(double[] p) {
    int best = 0;
    for (int k = 1; k < p.length; k++) {
      if (p[k] > p[best]) {
        best = k;
      }
    }
    return best;
  }

  @Override
  public void close() {
    tokenizer.close();
    reference.close();
  }
}
