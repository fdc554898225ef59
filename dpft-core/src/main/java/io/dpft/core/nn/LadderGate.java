package io.dpft.core.nn;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The learned gate of one rung of a {@link LadderSideNetwork}, {@code z = s + μ·(x − s)} with
 * {@code μ = sigmoid(α/T)}: it mixes the down-projected backbone state {@code x} with the side
 * block's output {@code s} (Sung et al., "LST: Ladder Side-Tuning", NeurIPS 2022, §3). It is a
 * {@link DpLayer} so that the DP engine clips the per-sample gradient of its one scalar α.
 *
 * <p>{@code ∂z/∂α = (x − s)·μ(1 − μ)/T}, so sample i's gradient of α is
 * {@code Σ g_i ∘ (x_i − s_i)·μ(1 − μ)/T} with {@code g = ∂L/∂z}: the tape records
 * {@code (x − s)·μ(1 − μ)/T} as the activation while α is trainable.
 */
public final class LadderGate extends DpLayer {
  /** LST's temperature T: α = 0 starts the gate at μ = ½ and moves it ten times faster than α. */
  public static final double TEMPERATURE = 0.1;

  /** α = 0 (μ = ½), registered as {@code alpha}. */
  public LadderGate() {
    super("alpha", Parameter.filled(ParameterKind.WEIGHT, 0, 1), null, null);
  }

  /**
   * @param backbone the down-projected backbone state {@code x}, {@code (B, T, d_s)}
   * @param side the side block's output {@code s}, {@code (B, T, d_s)}
   * @return {@code s + μ·(x − s)}, {@code (B, T, d_s)}
   */
  public Tensor forward(Tensor backbone, Tensor side) {
    Tape tape = recordingTape();
    Tensor mu = torch.sigmoid(weight().tensor().div(new Scalar(TEMPERATURE))); // (1)
    Tensor difference = backbone.sub(side);
    Tensor z = side.add(difference.mul(mu));
    Tensor activation = null;
    if (tape != null && weight().isTrainable()) {
      try (NoGradGuard noGrad = new NoGradGuard()) {
        Tensor slope = mu.mul(mu.neg().add(new Scalar(1.0))).div(new Scalar(TEMPERATURE));
        activation = difference.mul(slope);
      }
    }
    return record(tape, z, activation);
  }
}
