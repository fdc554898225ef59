package io.dpft.core.train;

import io.dpft.privacy.audit.CanaryInclusion;
import java.util.Arrays;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Random-label canaries for a {@link ColourTask} ("random label" canaries of Steinke, Nasr and
 * Jagielski 2023): m random images, each labelled with a colour other than its own, so that a
 * model gives a canary a low loss only if it trained on it. Owns the tensors: close it.
 */
final class ColourCanaries implements AutoCloseable {
  private final Tensor images;
  private final Tensor labels;

  ColourCanaries(int canaries, long seed) {
    Tensor[] drawn = ColourTask.colourImages(canaries, seed);
    images = drawn[0];
    long[] colour = new long[canaries];
    drawn[1].contiguous().data_ptr_long().get(colour);
    drawn[1].close();
    Random random = new Random(seed);
    long[] other = new long[canaries];
    for (int i = 0; i < canaries; i++) {
      other[i] = (colour[i] + 1 + random.nextInt(ColourTask.LABELS - 1)) % ColourTask.LABELS;
    }
    labels = torch.tensor(other);
  }

  /** {@code base} seeded colour images plus the included canaries, as one training task. */
  ColourTask withBase(UnaryOperator<Tensor> model, int base, long seed, CanaryInclusion inclusion) {
    Tensor[] colours = ColourTask.colourImages(base, seed);
    try (PointerScope scope = new PointerScope()) {
      long[] included =
          Arrays.stream(inclusion.includedIndices()).asLongStream().toArray();
      Tensor index = torch.tensor(included);
      Tensor allImages =
          torch.cat(new TensorVector(colours[0], images.index_select(0, index)), 0);
      Tensor allLabels =
          torch.cat(new TensorVector(colours[1], labels.index_select(0, index)), 0);
      allImages.retainReference();
      allLabels.retainReference();
      return new ColourTask(model, new Tensor[] {allImages, allLabels});
    } finally {
      colours[0].close();
      colours[1].close();
    }
  }

  /** Every canary's loss −log softmax(model(x))[canary label], without gradients. */
  double[] losses(UnaryOperator<Tensor> model) {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor logp = torch.log_softmax(model.apply(images), 1, new ScalarTypeOptional());
      Tensor picked =
          torch.gather(logp, 1, labels.unsqueeze(1)).squeeze(1).to(torch.ScalarType.Double)
              .contiguous();
      double[] out = new double[(int) picked.size(0)];
      picked.data_ptr_double().get(out);
      for (int i = 0; i < out.length; i++) {
        out[i] = -out[i];
      }
      return out;
    }
  }

  @Override
  public void close() {
    images.close();
    labels.close();
  }
}
