package io.dpft.core.nn;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The keys and values that a decoder's self-attention layers computed for earlier tokens, so that
 * incremental decoding feeds only the new tokens: with causal attention, the keys and values of
 * token {@code t} never change once computed, so attending over cached {@code k_{<t}} plus the
 * new {@code k_t} gives exactly the full recomputation (Pope et al., "Efficiently Scaling
 * Transformer Inference", MLSys 2023, §2).
 *
 * <p>One {@link Layer} per attention layer, each holding {@code (B, heads, T_past, d_head)} keys
 * and values. <b>Native memory:</b> the cache outlives the per-step {@code PointerScope}s of a
 * decoding loop: it retains the tensors it stores and releases them when they are replaced and on
 * {@link #close()}.
 */
public final class KeyValueCache implements AutoCloseable {
  /** The cached keys and values of one attention layer. */
  public static final class Layer {
    private Tensor keys;
    private Tensor values;

    private Layer() {}

    /** Cached positions {@code T_past}; 0 before the first step. */
    public long length() {
      return keys == null ? 0 : keys.size(2);
    }

    /**
     * Appends the new tokens' keys and values {@code (B, heads, T, d_head)} and returns all of
     * them, {@code [keys, values]} of {@code (B, heads, T_past + T, d_head)}.
     */
    Tensor[] append(Tensor newKeys, Tensor newValues) {
      replace(keys == null ? newKeys : torch.cat(new TensorVector(keys, newKeys), 2),
          values == null ? newValues : torch.cat(new TensorVector(values, newValues), 2));
      return new Tensor[] {keys, values};
    }

    private void reorder(Tensor rows) {
      if (keys != null) {
        replace(keys.index_select(0, rows), values.index_select(0, rows));
      }
    }

    private void replace(Tensor newKeys, Tensor newValues) {
      newKeys.retainReference();
      newValues.retainReference();
      release();
      keys = newKeys;
      values = newValues;
    }

    private void release() {
      if (keys != null) {
        keys.releaseReference();
        values.releaseReference();
        keys = null;
        values = null;
      }
    }
  }

  private final List<Layer> layers = new ArrayList<>();

  /** An empty cache for {@code numLayers} attention layers. */
  public KeyValueCache(int numLayers) {
    Init.positive("numLayers", numLayers);
    for (int i = 0; i < numLayers; i++) {
      layers.add(new Layer());
    }
  }

  /** The cache of attention layer {@code index}. */
  public Layer layer(int index) {
    return layers.get(index);
  }

  /** Cached positions {@code T_past}, the same in every layer. */
  public long length() {
    return layers.get(0).length();
  }

  /**
   * Keeps batch row {@code rows[r]} as new row {@code r} in every layer (beam search: the
   * surviving beams' histories). {@code rows} is an int64 vector.
   */
  public void reorder(Tensor rows) {
    layers.forEach(layer -> layer.reorder(rows));
  }

  /** Releases every cached tensor; idempotent. */
  @Override
  public void close() {
    layers.forEach(Layer::release);
  }
}
