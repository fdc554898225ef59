package io.dpft.core.bench;

import io.dpft.core.dp.ClippingStyle;
import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.dp.GaussianMechanism;
import io.dpft.core.models.BertModel;
import io.dpft.core.nn.Parameter;
import io.dpft.core.optim.Optimizer;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.tasks.SequenceClassificationTask;
import io.dpft.data.batching.TextBatch;
import io.dpft.privacy.noise.SecureGaussian;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * DP full fine-tuning computed the naive way (Abadi et al., "Deep Learning with Differential
 * Privacy", CCS 2016, Algorithm 1): for every example a batch-of-one forward pass and an autograd
 * backward pass to all parameters, the per-example gradient clipped to norm C (all-layer Abadi
 * clipping), the clipped gradients summed; then the same {@link GaussianMechanism} and optimizer
 * as the trainer. It computes what {@link io.dpft.core.dp.DpSgdEngine} computes in one backward
 * pass, with B backward passes instead — the cost that ghost clipping removes.
 */
final class PerExampleStep implements BenchStep {
  private final BertModel model;
  private final SequenceClassificationTask task;
  private final DpSgdConfig dp;
  private final double learningRate;
  private final SecureGaussian noise;
  private final List<Parameter> parameters;
  private final List<Tensor> accumulators = new ArrayList<>();
  private final Optimizer optimizer;

  /**
   * Makes every parameter of {@code model} trainable.
   *
   * @param dp must use all-layer clipping
   */
  PerExampleStep(
      BertModel model,
      SequenceClassificationTask task,
      DpSgdConfig dp,
      OptimizerConfig optimizer,
      double learningRate,
      SecureGaussian noise) {
    if (!(dp.style() instanceof ClippingStyle.AllLayer)) {
      throw new IllegalArgumentException(
          "the per-example baseline clips all layers together, got style " + dp.style());
    }
    this.model = model;
    this.task = task;
    this.dp = dp;
    this.learningRate = learningRate;
    this.noise = noise;
    new FineTuningMethod.Full().apply(model, Benchmark.HEAD_PREFIX);
    this.parameters = List.copyOf(model.parameters().values());
    try (NoGradGuard noGrad = new NoGradGuard()) {
      for (Parameter p : parameters) {
        Tensor acc = torch.zeros_like(p.tensor());
        acc.retainReference();
        accumulators.add(acc);
      }
    }
    this.optimizer =
        Optimizer.create(
            optimizer, parameters.stream().map(Parameter::tensor).collect(Collectors.toList()));
  }

  @Override
  public void run() {
    model.train(true);
    try (PointerScope scope = new PointerScope()) {
      optimizer.step(privateGradients(), learningRate);
    }
  }

  /**
   * (Σ_i clip(∂ℓ_i/∂θ) + noise) / B for every parameter, in {@link #parameters()} order, from one
   * forward and one backward pass per example. The tensors belong to the caller's scope.
   */
  List<Tensor> privateGradients() {
    int batchSize = task.size();
    for (int i = 0; i < batchSize; i++) {
      try (PointerScope example = new PointerScope()) {
        accumulateClipped(task.physicalBatches(new int[] {i}).get(0));
      }
    }
    List<Tensor> out = GaussianMechanism.privatize(accumulators, dp.noiseStd(), batchSize, noise);
    try (NoGradGuard noGrad = new NoGradGuard()) {
      accumulators.forEach(Tensor::zero_);
    }
    return out;
  }

  /** The trainable parameters, all of the model's. */
  List<Parameter> parameters() {
    return parameters;
  }

  private void accumulateClipped(TextBatch one) {
    Tensor loss = task.lossSum(one);
    Tensor[] inputs = parameters.stream().map(Parameter::tensor).toArray(Tensor[]::new);
    Tensor[] grads =
        torch.grad(new TensorVector(loss), new TensorVector(inputs), new TensorVector(),
                new BoolOptional(false), false, true)
            .get();
    try (NoGradGuard noGrad = new NoGradGuard()) {
      Tensor squared = torch.zeros(1);
      for (Tensor g : grads) {
        if (g.defined()) {
          squared.add_(g.square().sum());
        }
      }
      double factor =
          dp.clipping().clipFactor(Math.sqrt(squared.item_double()), dp.style().sensitivity());
      for (int k = 0; k < grads.length; k++) {
        if (grads[k].defined()) {
          accumulators.get(k).add_(grads[k], new Scalar(factor));
        }
      }
    }
  }

  @Override
  public void close() {
    optimizer.close();
    accumulators.forEach(Tensor::close);
    accumulators.clear();
  }
}
