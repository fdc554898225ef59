package io.dpft.core.nn;

import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Inverted dropout (Srivastava et al., JMLR 2014): in training mode each entry is zeroed with
 * probability {@code p} (rounded to a multiple of 2⁻¹⁶) and the rest scaled by {@code 1/(1-p)};
 * the identity in evaluation mode. Dropout masks are drawn per entry, so examples stay independent
 * (DP-safe).
 */
public class Dropout extends Module {
  /** Each entry's draw is one of this many levels (16 bits). */
  private static final int LEVELS = 1 << 16;

  private final double p;

  public Dropout(double p) {
    this.p = checkProbability(p);
  }

  static double checkProbability(double p) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
    }
    return p;
  }

  public Tensor forward(Tensor x) {
    return isTraining() ? apply(x, p) : x;
  }

  /**
   * {@code x ∘ keep / P(keep)} with {@code keep} from {@link #keepMask}. Same distribution as
   * {@code torch.dropout} up to the rounding of p, but libtorch's CPU {@code bernoulli_} (behind
   * {@code torch.dropout}) draws each entry through a serial double-precision sampler, several
   * times slower than this mask (docs/performance.md). Autograd keeps only the boolean mask.
   */
  static Tensor apply(Tensor x, double p) {
    if (p == 0) {
      return x;
    }
    return NestedScope.result(() -> masked(x, keepMask(x.shape(), p), p));
  }

  /** {@code x ∘ keep / P(keep)}: x dropped by a mask from {@link #keepMask}(shape, p). */
  static Tensor masked(Tensor x, Tensor keep, double p) {
    Tensor dropped = x.mul(keep);
    dropped.mul_(new Scalar(1 / keepProbability(p)));
    return dropped;
  }

  /**
   * Independent Bernoulli({@link #keepProbability}(p)) booleans of the given shape: each entry is a
   * uniform 16-bit integer U, kept when {@code U >= round(p·2¹⁶)}, four of them cut from each
   * 64-bit draw of torch's default generator (libtorch's full-range {@code random_}, two 32-bit
   * Mersenne Twister outputs), so a mask costs half the generator work of uniform floats (one
   * output each) and a quarter of the calls.
   */
  static Tensor keepMask(long[] shape, double p) {
    return keepMask(shape, p, new GeneratorOptional());
  }

  /** {@link #keepMask(long[], double)} from {@code generator}; empty: torch's default one. */
  static Tensor keepMask(long[] shape, double p, GeneratorOptional generator) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    Tensor bits = torch.empty(new long[] {(n + 3) / 4}, new TensorOptions(torch.ScalarType.Long),
        new MemoryFormatOptional()).random_(Long.MIN_VALUE, new LongOptional(), generator);
    // as signed int16 the draws are U − 2¹⁵
    return bits.view(torch.ScalarType.Short).narrow(0, 0, n).view(shape)
        .ge(new Scalar(dropLevels(p) - LEVELS / 2));
  }

  /**
   * The probability that {@link #keepMask} keeps an entry: 1 − p with p rounded to a multiple of
   * 2⁻¹⁶ (p = 0.1 gives 0.8999939), at most 1 − 2⁻¹⁶.
   */
  static double keepProbability(double p) {
    return (double) (LEVELS - dropLevels(p)) / LEVELS;
  }

  private static long dropLevels(double p) {
    return Math.min(Math.round(p * LEVELS), LEVELS - 1);
  }

  public double p() {
    return p;
  }
}
