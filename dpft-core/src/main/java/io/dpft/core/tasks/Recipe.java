package io.dpft.core.tasks;

import io.dpft.core.peft.FineTuningMethod;
import io.dpft.privacy.PrivacyChecks;
import java.util.Locale;

/**
 * The default hyperparameters of a run, derived from the training-set size N, whether the run is
 * private and the method, following published practice for DP fine-tuning:
 *
 * <ul>
 *   <li><b>Batch size.</b> DP-SGD wants large logical batches: the noise on the averaged gradient
 *       is σC/B, and at a fixed ε and number of epochs σ grows only like √q, so the noise falls
 *       as the batch grows (Li et al., ICLR 2022, "Large language models can be strong
 *       differentially private learners", §3; De et al. 2022, "Unlocking high-accuracy
 *       differentially private image classification through scale", §3). Within a fixed number
 *       of example passes a larger batch also means fewer steps, so private runs take B ≈ 4√N,
 *       a multiple of 64 between 64 and N/4 (192 for N = 2,400, 256 for N = 3,600, 1,024 for
 *       N ≥ 64,000); without DP the usual 128 (at most N/4).
 *   <li><b>Epochs.</b> Large batches need more epochs to take enough steps (Li et al., Table 1:
 *       3–20 epochs). Methods that back-propagate through the encoder get as many epochs as fit
 *       in {@value #BACKPROP_EXAMPLES} example passes (3 to 10 epochs), which keeps a run of a
 *       few thousand examples under ten minutes on two cores; a linear probe reads cached
 *       features, so it takes {@value #PROBE_EPOCHS} epochs at little cost.
 *   <li><b>Learning rate</b> (Adam): 5e-4 for full fine-tuning (Li et al.), 5e-3 for BiTFiT (Bu et
 *       al., ICML 2024, "Differentially private bias-term fine-tuning of foundation models"),
 *       1e-2 for a linear probe, 3e-3 for a side network (its weights start fresh, so it needs
 *       steps larger than full fine-tuning's small moves away from pretrained weights, yet its
 *       matrices and attention are less forgiving of large noisy steps than biases); two-phase
 *       runs take BiTFiT's, and so do adapters (reversible or not): like BiTFiT they train few
 *       parameters beside a frozen model, and their zero-started up-projections must move within
 *       the few hundred steps of a private run.
 *   <li><b>Warm-up</b> 5% of the steps, linear decay after it.
 * </ul>
 *
 * @param logicalBatchSize the expected batch size B
 * @param epochs passes over the training set
 * @param learningRate Adam's peak learning rate
 * @param warmupFraction the fraction of steps of linear warm-up
 */
public record Recipe(int logicalBatchSize, double epochs, double learningRate, double warmupFraction) {
  /** Example passes a back-propagating private run is given, bounding its time. */
  static final int BACKPROP_EXAMPLES = 20_000;

  /** Epochs of a private linear probe over cached features. */
  static final int PROBE_EPOCHS = 50;

  public Recipe {
    PrivacyChecks.atLeastOne("logicalBatchSize", logicalBatchSize);
    PrivacyChecks.positive("epochs", epochs);
    PrivacyChecks.positive("learningRate", learningRate);
    PrivacyChecks.halfOpenUnitInterval("warmupFraction", warmupFraction);
  }

  /** The defaults for {@code n} training examples, a private run or not, and {@code method}. */
  public static Recipe of(int n, boolean dp, FineTuningMethod method) {
    PrivacyChecks.atLeastOne("training set size", n);
    boolean probe = method instanceof FineTuningMethod.LastLayer;
    int batch = Math.min(dp ? multipleOf64(4 * Math.sqrt(n)) : 128, Math.max(1, n / 4));
    double epochs;
    if (!dp) {
      epochs = 3;
    } else if (probe) {
      epochs = PROBE_EPOCHS;
    } else {
      epochs = Math.max(3, Math.min(10, Math.floor((double) BACKPROP_EXAMPLES / n)));
    }
    // the parameter-efficient methods (BiTFiT, LoRA, bitfit+lora, adapters) take Adam's larger
    // 5e-3: few parameters, and LoRA's B and the adapters' up-projections start at zero, so small
    // steps would leave the model unchanged for much of a short private run
    double lr = method instanceof FineTuningMethod.Full ? 5e-4
        : probe ? 1e-2
        : method instanceof FineTuningMethod.SideNetwork ? 3e-3
        : 5e-3;
    return new Recipe(batch, epochs, lr, 0.05);
  }

  private static int multipleOf64(double b) {
    return (int) Math.max(64, Math.min(1024, 64 * Math.round(b / 64)));
  }

  /** One line for the start of a run: the values and where they come from. */
  public String describe() {
    return String.format(
        Locale.ROOT,
        "batch size %d, %s epochs, learning rate %s, warm-up %.0f%%",
        logicalBatchSize,
        epochs == Math.rint(epochs) ? String.valueOf((long) epochs) : String.valueOf(epochs),
        learningRate,
        100 * warmupFraction);
  }
}
