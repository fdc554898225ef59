package io.dpft.core.dp.norms;

import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Per-sample norms and clipped sums for an embedding lookup z_{i,t} = E[id_{i,t}] with ids (B, T)
 * and output gradient g (B, T, d). Sample i's gradient puts Σ_{t: id_t = v} g_{i,t} in row v, so
 * its squared norm is Σ_{t,s} [id_t = id_s]·⟨g_t, g_s⟩: a ghost norm with a token-equality mask
 * (Li et al., ICLR 2022, Appendix on embedding layers).
 */
public final class EmbeddingNormRule {
  private EmbeddingNormRule() {}

  /** Squared per-sample gradient norms of the embedding table: a B-vector. */
  public static Tensor squaredNorms(Tensor ids, Tensor outputGrad) {
    Tensor sameToken = ids.unsqueeze(2).eq(ids.unsqueeze(1)).to(outputGrad.scalar_type());
    Tensor gGram = torch.bmm(outputGrad, outputGrad.transpose(1, 2)); // (B, T, T)
    return gGram.mul_(sameToken).sum(new long[] {1, 2}, false, new ScalarTypeOptional());
  }

  /** Σ_i c_i·(per-sample table gradient): a (vocabularySize, d) tensor with rows scattered. */
  public static Tensor clippedSum(
      Tensor ids, Tensor outputGrad, Tensor clipFactors, long vocabularySize) {
    long d = outputGrad.size(2);
    Tensor scaled = outputGrad.mul(clipFactors.reshape(-1, 1, 1)).reshape(-1, d);
    return torch.zeros(vocabularySize, d).index_add_(0, ids.reshape(-1), scaled);
  }
}
