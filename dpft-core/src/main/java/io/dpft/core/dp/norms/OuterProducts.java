package io.dpft.core.dp.norms;

import java.util.Objects;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A per-sample gradient written as a sum of outer products, G_i = Σ_t u_{i,t} v_{i,t}ᵀ, in the
 * parameter's orientation: a linear layer's weight (u the output gradient, v the input, for a
 * (d_out, d_in) weight) and an embedding table (u the one-hot token id, v the output gradient).
 * Two such gradients of one parameter have the per-sample inner product
 *
 * <pre>
 *   ⟨G_i, G'_i⟩ = Σ_{t,s} (u_{i,t}·u'_{i,s}) (v_{i,t}·v'_{i,s}),
 * </pre>
 *
 * two T×S Gram matrices as in the ghost norm (Li et al., "Large Language Models Can Be Strong
 * Differentially Private Learners", ICLR 2022), here between two uses of a tied weight. A one-hot
 * factor's Gram entries are gathered (u'_s[id_t]) or compared (id_t = id'_s), never expanded. One
 * use may instead hold its per-sample gradients instantiated ({@link #innerProducts(Tensor)}).
 *
 * @param left u: (B, T, m) dense, or (B, T) token ids when {@code oneHot}
 * @param oneHot whether {@code left} holds token ids of one-hot vectors
 * @param right v: (B, T, n)
 */
public record OuterProducts(Tensor left, boolean oneHot, Tensor right) {
  public OuterProducts {
    Objects.requireNonNull(left, "left");
    Objects.requireNonNull(right, "right");
  }

  /**
   * ‖G_i‖² for every sample i, the ghost norm: the inner product with itself, two T×T Grams
   * (a token-equality mask for a one-hot factor), each dense one formed once per step by
   * {@code grams}.
   */
  public Tensor squaredNorms(Grams grams) {
    Tensor leftGram = oneHot ? leftGram(this) : grams.upper(left);
    return Grams.innerProducts(leftGram, grams.upper(right));
  }

  /** ⟨G_i, G'_i⟩ for every sample i: a B-vector. */
  public Tensor innerProducts(OuterProducts other) {
    Tensor rightGram = torch.bmm(right, other.right.transpose(1, 2)); // (B, T, S)
    return leftGram(other).mul_(rightGram).sum(new long[] {1, 2}, false, new ScalarTypeOptional());
  }

  /**
   * ⟨P_i, G_i⟩ = Σ_t u_{i,t}ᵀ P_i v_{i,t} with instantiated per-sample gradients P (B, m, n) of
   * the same parameter: rows of P gathered at the token ids for a one-hot u, else P·vᵀ.
   */
  public Tensor innerProducts(Tensor perSample) {
    if (oneHot) {
      Tensor index = left.unsqueeze(2).expand(left.size(0), left.size(1), perSample.size(2));
      Tensor rows = torch.gather(perSample, 1, index); // (B, T, n): P_i[id_t]
      return rows.mul_(right).sum(new long[] {1, 2}, false, new ScalarTypeOptional());
    }
    Tensor pv = torch.bmm(perSample, right.transpose(1, 2)); // (B, m, T)
    return pv.mul_(left.transpose(1, 2)).sum(new long[] {1, 2}, false, new ScalarTypeOptional());
  }

  /** u_t·u'_s as (B, T, S). */
  private Tensor leftGram(OuterProducts other) {
    if (oneHot && other.oneHot) {
      return left.unsqueeze(2).eq(other.left.unsqueeze(1)).to(right.scalar_type());
    }
    if (oneHot) {
      return gathered(other.left, left).transpose(1, 2);
    }
    if (other.oneHot) {
      return gathered(left, other.left);
    }
    return torch.bmm(left, other.left.transpose(1, 2));
  }

  /** dense[b, t, ids[b, s]] as (B, T, S). */
  private static Tensor gathered(Tensor dense, Tensor ids) {
    Tensor index = ids.unsqueeze(1).expand(dense.size(0), dense.size(1), ids.size(1));
    return torch.gather(dense, 2, index);
  }
}
