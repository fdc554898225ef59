package io.dpft.core.models;

import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.dpft.core.io.PretrainedModels;
import io.dpft.core.io.SafetensorsCheckpoint;
import io.dpft.core.io.WeightLoader;
import io.dpft.core.models.BertModel.Options;
import io.dpft.core.models.BertModel.Pooling;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our BERT forward on the weights converted from the bundled ONNX encoders against onnxruntime
 * running the original ONNX file, on the same padded batch: the last hidden states agree.
 */
class BertOnnxParityTest {
  private static final int BATCH = 3;
  private static final int LENGTH = 16;
  private static final int[] TOKENS = {16, 9, 5}; // real tokens per row, the rest is padding
  private static final double TOLERANCE = 1e-4;

  @TempDir Path cache;

  /** [CLS] random word pieces [SEP], padded with 0; row 0 has a second segment (type 1). */
  private static long[][][] batch() {
    Random random = new Random(2024);
    long[][] ids = new long[BATCH][LENGTH];
    long[][] mask = new long[BATCH][LENGTH];
    long[][] types = new long[BATCH][LENGTH];
    for (int b = 0; b < BATCH; b++) {
      for (int t = 0; t < TOKENS[b]; t++) {
        ids[b][t] = t == 0 ? 101 : t == TOKENS[b] - 1 ? 102 : 1996 + random.nextInt(27000);
        mask[b][t] = 1;
        types[b][t] = b == 0 && t >= LENGTH / 2 ? 1 : 0;
      }
    }
    return new long[][][] {ids, mask, types};
  }

  private static long[] flat(long[][] rows) {
    long[] out = new long[BATCH * LENGTH];
    for (int b = 0; b < BATCH; b++) {
      System.arraycopy(rows[b], 0, out, b * LENGTH, LENGTH);
    }
    return out;
  }

  /** onnxruntime's last_hidden_state (B, T, d), flattened. */
  private static float[] onnxRuntime(String resource, long[][][] batch) throws Exception {
    byte[] model;
    try (InputStream in = BertOnnxParityTest.class.getResourceAsStream("/" + resource)) {
      model = in.readAllBytes();
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] shape = {BATCH, LENGTH};
    try (OrtSession session = env.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(flat(batch[0])), shape);
        OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(flat(batch[1])), shape);
        OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(flat(batch[2])), shape)) {
      assertThat(session.getInputNames())
          .containsExactlyInAnyOrder("input_ids", "attention_mask", "token_type_ids");
      assertThat(session.getOutputNames()).contains("last_hidden_state");
      try (OrtSession.Result result = session.run(
          Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
        FloatBuffer hidden = ((OnnxTensor) result.get("last_hidden_state").orElseThrow())
            .getFloatBuffer();
        float[] out = new float[hidden.remaining()];
        hidden.get(out);
        return out;
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"all-minilm-l6-v2, all-minilm-l6-v2.onnx", "bge-small-en-v1.5, bge-small-en-v1.5.onnx"})
  void lastHiddenState_onConvertedWeights_matchesOnnxRuntime(String name, String onnx)
      throws Exception {
    Path dir = new PretrainedModels(cache, getClass().getClassLoader()).resolve(name);
    BertConfig config = BertConfig.read(dir.resolve("config.json"));
    boolean pooler;
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir)) {
      pooler = checkpoint.names().contains("pooler.dense.weight");
    }
    long[][][] batch = batch();
    float[] reference = onnxRuntime(onnx, batch);
    try (BertModel model = new BertModel(config, new Options(pooler, Pooling.CLS, 0));
        PointerScope scope = new PointerScope()) {
      WeightLoader.load(dir, model.namedParameters(), WeightLoader.Mode.STRICT);
      model.eval();
      float[] ours;
      try (NoGradGuard noGrad = new NoGradGuard()) {
        ours = values(model.forward(TokenBatch.of(batch[0], batch[1], batch[2])));
      }
      assertThat(ours).hasSameSizeAs(reference);
      assertThat(maxAbsDiff(ours, reference)).as("max |ours - onnxruntime| for %s", name)
          .isLessThanOrEqualTo(TOLERANCE);
    }
  }
}
