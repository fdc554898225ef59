package io.dpft.core.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dpft.core.dp.ClippingStats;
import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.dp.DpSgdEngine;
import io.dpft.core.dp.norms.NormRules;
import io.dpft.core.models.Gpt2Config;
import io.dpft.core.models.Gpt2Model;
import io.dpft.core.models.TokenBatch;
import io.dpft.core.nn.Activation;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.ParameterKind;
import io.dpft.core.nn.Tape;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.data.batching.CausalLmBatch;
import io.dpft.data.batching.CausalLmExample;
import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.TableToTextExample;
import io.dpft.data.datasets.table.TableToTextDataset;
import io.dpft.data.metrics.Bleu;
import io.dpft.data.metrics.RougeL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The summed target-token loss against a per-example computation in plain Java (double-precision
 * log-softmax of each example's own full-sequence logits, summed over target positions only), and
 * generation metrics against an independent greedy loop (full recomputation, no cache, no
 * padding, one prompt at a time).
 */
class CausalLmTaskTest {
  private static final int VOCAB = 40;
  private static final int POSITIONS = 32;
  private static final List<CausalLmExample> EXAMPLES = List.of(
      new CausalLmExample(new long[] {3, 7, 12}, new long[] {5, 9}),
      new CausalLmExample(new long[] {4}, new long[] {8, 8, 21, 30}),
      new CausalLmExample(new long[] {1, 2, 3, 4, 5}, new long[] {6}),
      new CausalLmExample(new long[] {11, 13}, new long[] {17, 19, 23}),
      new CausalLmExample(new long[] {2, 6, 10, 14}, new long[] {18, 22}));

  /**
   * A random tiny GPT-2 without dropout; biases and projections scaled up from the default
   * initialisation so that next-token distributions are far from uniform (greedy output varies).
   */
  private static Gpt2Model model(int eos) {
    torch.manual_seed(5);
    Gpt2Model model = new Gpt2Model(new Gpt2Config(VOCAB, POSITIONS, 16, 2, 2, 24,
        Activation.GELU_TANH, 0, 0, 0, 1e-5, eos, eos));
    Random random = new Random(6);
    try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
      for (Parameter p : model.parameters().values()) {
        double scale = p.kind() == ParameterKind.NORM_WEIGHT ? 0 : 0.5;
        float[] noise = new float[(int) p.tensor().numel()];
        for (int i = 0; i < noise.length; i++) {
          noise[i] = (float) (scale * random.nextGaussian());
        }
        p.tensor().add_(Tensor.create(noise, p.shape()));
      }
    }
    model.eval();
    return model;
  }

  /** Log-probabilities (T × V), in double precision, of one unpadded sequence. */
  private static double[][] logProbabilities(Gpt2Model model, long[] ids) {
    long[] ones = new long[ids.length];
    Arrays.fill(ones, 1);
    try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
      Tensor logits = model.logits(model.forward(TokenBatch.of(new long[][] {ids},
          new long[][] {ones}))).contiguous(); // (1, T, V)
      float[] flat = new float[ids.length * VOCAB];
      logits.data_ptr_float().get(flat);
      double[][] out = new double[ids.length][VOCAB];
      for (int t = 0; t < ids.length; t++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < VOCAB; v++) {
          max = Math.max(max, flat[t * VOCAB + v]);
        }
        double sum = 0;
        for (int v = 0; v < VOCAB; v++) {
          sum += Math.exp(flat[t * VOCAB + v] - max);
        }
        for (int v = 0; v < VOCAB; v++) {
          out[t][v] = flat[t * VOCAB + v] - max - Math.log(sum);
        }
      }
      return out;
    }
  }

  private static long[] concat(long[] a, long[] b) {
    long[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** −Σ log p(target_j | everything before it), from the example's own logits. */
  private static double targetLoss(Gpt2Model model, CausalLmExample example) {
    long[] ids = concat(example.promptIds(), example.targetIds());
    double[][] logp = logProbabilities(model, ids);
    double loss = 0;
    for (int position = example.promptIds().length; position < ids.length; position++) {
      loss -= logp[position - 1][(int) ids[position]];
    }
    return loss;
  }

  private static double taskLoss(CausalLmTask task, int[] indices) {
    double sum = 0;
    try (NoGradGuard noGrad = new NoGradGuard()) {
      for (CausalLmBatch batch : task.physicalBatches(indices)) {
        try (PointerScope scope = new PointerScope()) {
          sum += task.lossSum(batch).item_double();
        }
      }
    }
    return sum;
  }

  @Test
  void lossSum_isSummedTargetCrossEntropyOfEachExampleAlone() {
    try (Gpt2Model model = model(VOCAB - 1)) {
      CausalLmTask task = new CausalLmTask(model, EXAMPLES, 2, POSITIONS, VOCAB - 1, 7);
      double expected = 0;
      for (CausalLmExample example : EXAMPLES) {
        expected += targetLoss(model, example);
      }
      int[] all = {0, 1, 2, 3, 4};
      assertThat(task.physicalBatches(all)).hasSize(3); // right-padded rows of unequal length
      assertThat(taskLoss(task, all)).isCloseTo(expected, within(1e-4 * expected));
    }
  }

  /**
   * The same tokens split later between prompt and target: the loss drops by exactly the term of
   * the token that moved into the prompt, so prompt positions are not in the loss.
   */
  @Test
  void lossSum_excludesPromptPositions() {
    long[] ids = {3, 7, 12, 5, 9, 14};
    CausalLmExample longTarget = new CausalLmExample(Arrays.copyOf(ids, 2),
        Arrays.copyOfRange(ids, 2, 6));
    CausalLmExample shortTarget = new CausalLmExample(Arrays.copyOf(ids, 3),
        Arrays.copyOfRange(ids, 3, 6));
    try (Gpt2Model model = model(VOCAB - 1)) {
      double movedTerm = -logProbabilities(model, ids)[1][(int) ids[2]];
      double longLoss = taskLoss(
          new CausalLmTask(model, List.of(longTarget), 1, POSITIONS, 0, 1), new int[] {0});
      double shortLoss = taskLoss(
          new CausalLmTask(model, List.of(shortTarget), 1, POSITIONS, 0, 1), new int[] {0});
      assertThat(movedTerm).isGreaterThan(0.1);
      assertThat(longLoss - shortLoss).isCloseTo(movedTerm, within(1e-4));
    }
  }

  @Test
  void constructor_maxLengthAboveContext_throws() {
    try (Gpt2Model model = model(VOCAB - 1)) {
      assertThatThrownBy(() -> new CausalLmTask(model, EXAMPLES, 2, POSITIONS + 1, 0, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("maxLength")
          .hasMessageContaining(String.valueOf(POSITIONS + 1));
    }
  }

  /** Greedy continuation of one prompt, recomputing the whole sequence each step. */
  private static long[] greedyAlone(Gpt2Model model, long[] prompt, int maxNewTokens, long eos) {
    long[] ids = prompt.clone();
    for (int step = 0; step < maxNewTokens; step++) {
      double[] last = logProbabilities(model, ids)[ids.length - 1];
      int best = 0;
      for (int v = 1; v < VOCAB; v++) {
        if (last[v] > last[best]) {
          best = v;
        }
      }
      if (best == eos) {
        break;
      }
      ids = concat(ids, new long[] {best});
    }
    return Arrays.copyOfRange(ids, prompt.length, ids.length);
  }

  private static final Function<String, long[]> ENCODER =
      text -> Arrays.stream(text.split(" ")).mapToLong(Long::parseLong).toArray();
  private static final Function<long[], String> DECODER =
      ids -> Arrays.stream(ids).mapToObj(id -> "w" + id).collect(Collectors.joining(" "));

  @Test
  void textGeneration_scoresGreedyTextsOfEachDistinctPrompt() {
    int maxNewTokens = 6;
    List<String> prompts = List.of("3 7 12", "4", "11 13 2 9 30", "5 5");
    // EOS: the third token the model writes after the first prompt, so that generation stops
    long eos;
    try (Gpt2Model probe = model(VOCAB - 1)) {
      eos = greedyAlone(probe, ENCODER.apply(prompts.get(0)), 3, -1)[2];
    }
    try (Gpt2Model model = model((int) eos)) {
      List<TableToTextExample> examples = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        examples.add(new TableToTextExample("mr" + i, prompts.get(i),
            List.of("w1 w2 w3", "w" + (i + 3) + " w7 w12 w5")));
      }
      // a second input with the first one's prompt: its references join the first's
      examples.add(new TableToTextExample("mr-dup", prompts.get(0), List.of("w9 w9 w5")));
      TableToTextDataset data = new TableToTextDataset("test", examples, SkipReport.NONE);

      List<String> expectedTexts = new ArrayList<>();
      List<List<String>> references = new ArrayList<>();
      boolean stoppedAtEos = false;
      for (int i = 0; i < prompts.size(); i++) {
        long[] generated = greedyAlone(model, ENCODER.apply(prompts.get(i)), maxNewTokens, eos);
        stoppedAtEos |= generated.length < maxNewTokens;
        expectedTexts.add(DECODER.apply(generated));
        List<String> refs = new ArrayList<>(examples.get(i).references());
        if (i == 0) {
          refs.addAll(examples.get(prompts.size()).references());
        }
        references.add(refs);
      }
      model.train(true);

      TextGeneration.Scores scores = new TextGeneration(model, ENCODER, DECODER,
          TextGeneration.Settings.greedy(maxNewTokens, 3)).score(data);

      assertThat(stoppedAtEos).isTrue();
      assertThat(scores.hypotheses()).containsExactlyElementsOf(expectedTexts);
      Bleu.Score bleu = Bleu.corpus(expectedTexts, references);
      assertThat(scores.bleu().score()).isEqualTo(bleu.score());
      assertThat(scores.bleu().hypothesisLength()).isEqualTo(bleu.hypothesisLength());
      assertThat(scores.rougeL())
          .isEqualTo(RougeL.corpus(expectedTexts, references, RougeL.E2E_BETA));
      assertThat(model.isTraining()).isTrue(); // mode restored
    }
  }

  /** DP-BiTFiT on GPT-2: biases train, the tied wte stays frozen, one accumulate runs. */
  @Test
  void dpBitFit_acceptsModelAndAccumulatesOneBatch() {
    double maxGradNorm = 0.5;
    try (PointerScope scope = new PointerScope(); Gpt2Model model = model(VOCAB - 1)) {
      new FineTuningMethod.BitFit(false).apply(model, "lm_head");
      model.train(true);
      CausalLmTask task = new CausalLmTask(model, EXAMPLES, 5, POSITIONS, VOCAB - 1, 1);
      CausalLmBatch batch = task.physicalBatches(new int[] {0, 1, 2, 3, 4}).get(0);
      try (DpSgdEngine engine = new DpSgdEngine(model, DpSgdConfig.abadi(0, maxGradNorm),
          NormRules.standard())) {
        assertThat(engine.parameters()).isNotEmpty().allMatch(
            p -> p.kind() == ParameterKind.BIAS || p.kind() == ParameterKind.NORM_BIAS);
        assertThat(model.parameters().get("transformer.wte.weight").isTrainable()).isFalse();
        ClippingStats stats;
        try (Tape tape = Tape.start()) {
          stats = engine.accumulate(tape, task.lossSum(batch));
        }
        assertThat(stats.samples()).isEqualTo(batch.batchSize());
        assertThat(stats.maxNorm()).isPositive();
        double squared = 0;
        for (Tensor g : engine.privateGradients(1.0, null)) {
          squared += g.square().sum().item_double();
        }
        // a sum of batchSize clipped gradients, none zero
        assertThat(Math.sqrt(squared)).isPositive()
            .isLessThanOrEqualTo(batch.batchSize() * maxGradNorm * (1 + 1e-6));
      }
    }
  }
}
