package io.dpft.core.train;

import io.dpft.core.dp.ClippingStats;
import io.dpft.core.dp.DpSgdEngine;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Tape;
import io.dpft.privacy.noise.SecureGaussian;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The gradients of one logical batch, built up physical batch by physical batch: privately
 * (per-sample clipping and noise by a {@link DpSgdEngine}) or plainly (autograd's summed
 * gradient), so both kinds of run share one training loop.
 */
sealed interface StepGradients extends AutoCloseable
    permits StepGradients.Private, StepGradients.NonPrivate {

  /** Runs {@code lossSum} (the forward pass of one physical batch) and accumulates its gradient. */
  Accumulated accumulate(Supplier<Tensor> lossSum);

  /** The summed loss of a physical batch and, under DP, what clipping did to it. */
  record Accumulated(double lossSum, ClippingStats clipping) {}

  /** The logical batch's gradients divided by {@code expectedBatchSize}; resets the accumulator. */
  List<Tensor> gradients(double expectedBatchSize, SecureGaussian noise);

  List<Parameter> parameters();

  @Override
  void close();

  /** DP-SGD: the forward pass runs under a tape; clipping and noise by the engine. */
  final class Private implements StepGradients {
    private final DpSgdEngine engine;

    Private(DpSgdEngine engine) {
      this.engine = engine;
    }

    @Override
    public Accumulated accumulate(Supplier<Tensor> lossSum) {
      try (Tape tape = engine.startTape()) {
        Tensor loss = lossSum.get();
        ClippingStats clipping = engine.accumulate(tape, loss);
        return new Accumulated(loss.item_double(), clipping);
      }
    }

    /** Adds a logical batch's clipped sums computed elsewhere ({@link RemoteClipping}). */
    Accumulated add(RemoteClipping.Sums sums) {
      engine.addClippedSums(sums.sums());
      return new Accumulated(sums.lossSum(), ClippingStats.EMPTY);
    }

    @Override
    public List<Tensor> gradients(double expectedBatchSize, SecureGaussian noise) {
      return engine.privateGradients(expectedBatchSize, noise);
    }

    @Override
    public List<Parameter> parameters() {
      return engine.parameters();
    }

    @Override
    public void close() {
      engine.close();
    }
  }

  /** Plain gradients: one backward pass to the trainable parameters, summed over the batch. */
  final class NonPrivate implements StepGradients {
    private final List<Parameter> parameters;
    private final List<Tensor> accumulators = new ArrayList<>();

    NonPrivate(List<Parameter> parameters) {
      if (parameters.isEmpty()) {
        throw new IllegalArgumentException("the model has no trainable parameter");
      }
      this.parameters = List.copyOf(parameters);
      try (NoGradGuard noGrad = new NoGradGuard()) {
        for (Parameter p : parameters) {
          Tensor acc = torch.zeros_like(p.tensor());
          acc.retainReference();
          accumulators.add(acc);
        }
      }
    }

    @Override
    public Accumulated accumulate(Supplier<Tensor> lossSum) {
      Tensor loss = lossSum.get();
      Tensor[] inputs = parameters.stream().map(Parameter::tensor).toArray(Tensor[]::new);
      Tensor[] grads =
          torch.grad(
                  new TensorVector(loss),
                  new TensorVector(inputs),
                  new TensorVector(),
                  new BoolOptional(false),
                  false,
                  true)
              .get();
      try (NoGradGuard noGrad = new NoGradGuard()) {
        for (int i = 0; i < grads.length; i++) {
          if (grads[i].defined()) {
            accumulators.get(i).add_(grads[i]);
          }
        }
      }
      return new Accumulated(loss.item_double(), ClippingStats.EMPTY);
    }

    @Override
    public List<Tensor> gradients(double expectedBatchSize, SecureGaussian noise) {
      List<Tensor> out = new ArrayList<>(accumulators.size());
      try (NoGradGuard noGrad = new NoGradGuard()) {
        for (Tensor acc : accumulators) {
          out.add(acc.div(new Scalar(expectedBatchSize)));
          acc.zero_();
        }
      }
      return out;
    }

    @Override
    public List<Parameter> parameters() {
      return parameters;
    }

    @Override
    public void close() {
      accumulators.forEach(Tensor::close);
      accumulators.clear();
    }
  }
}
