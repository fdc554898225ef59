package io.dpft.core.dp.norms;

import io.dpft.core.nn.Embedding;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Tape;
import java.util.List;
import java.util.Optional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Per-sample norms and clipped sums for an embedding lookup z_{i,t} = E[id_{i,t}] with ids (B, T)
 * and output gradient g (B, T, d). Sample i's gradient puts Σ_{t: id_t = v} g_{i,t} in row v, so
 * its squared norm is Σ_{t,s} [id_t = id_s]·⟨g_t, g_s⟩: a ghost norm with a token-equality mask
 * (Li et al., ICLR 2022, Appendix on embedding layers). The padding row gets no gradient.
 */
public final class EmbeddingNormRule implements PerSampleNormRule<Embedding> {

  @Override
  public Class<Embedding> layerType() {
    return Embedding.class;
  }

  @Override
  public List<PerSampleGradient> gradients(Embedding layer, Tape.Entry entry, Tensor outputGrad) {
    if (!layer.weight().isTrainable()) {
      return List.of();
    }
    Tensor ids = entry.activation().reshape(outputGrad.size(0), -1); // (B, T)
    Tensor g = outputGrad.reshape(ids.size(0), ids.size(1), -1); // (B, T, d)
    if (layer.paddingIdx() != Embedding.NO_PADDING) {
      g = g.mul(ids.ne(new Scalar(layer.paddingIdx())).unsqueeze(2).to(g.scalar_type()));
    }
    Parameter table = layer.weight();
    Tensor tokenIds = ids;
    Tensor grad = g;
    return List.of(
        new PerSampleGradient() {
          @Override
          public Parameter parameter() {
            return table;
          }

          @Override
          public Tensor squaredNorms(Grams grams) {
            return new OuterProducts(tokenIds, true, grad).squaredNorms(grams);
          }

          @Override
          public Tensor clippedSum(Tensor clipFactors) {
            return EmbeddingNormRule.clippedSum(tokenIds, grad, clipFactors, table.shape()[0]);
          }

          /** Σ_t onehot(id_t) g_tᵀ. */
          @Override
          public Optional<OuterProducts> outerProducts() {
            return Optional.of(new OuterProducts(tokenIds, true, grad));
          }

          /** Scatters the clipped rows straight into the accumulator: no (V, d) temporary. */
          @Override
          public void addClippedSumTo(Tensor accumulator, Tensor clipFactors) {
            addClippedRows(accumulator, tokenIds, grad, clipFactors);
          }
        });
  }

  /** Σ_i c_i·(per-sample table gradient): a (vocabularySize, d) tensor with rows scattered. */
  static Tensor clippedSum(Tensor ids, Tensor outputGrad, Tensor clipFactors, long vocabularySize) {
    Tensor sum = torch.zeros(vocabularySize, outputGrad.size(2));
    addClippedRows(sum, ids, outputGrad, clipFactors);
    return sum;
  }

  /** Adds c_i·g_{i,t} to row id_{i,t} of {@code table} (V, d), in place. */
  static void addClippedRows(Tensor table, Tensor ids, Tensor outputGrad, Tensor clipFactors) {
    long d = outputGrad.size(2);
    Tensor scaled = outputGrad.mul(clipFactors.reshape(-1, 1, 1)).reshape(-1, d);
    table.index_add_(0, ids.reshape(-1), scaled);
  }
}
