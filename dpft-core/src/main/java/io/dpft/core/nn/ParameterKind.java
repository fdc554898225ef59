package io.dpft.core.nn;

/**
 * What a trainable tensor is for. Fine-tuning methods select parameters by kind (BiTFiT trains
 * {@link #BIAS} and {@link #NORM_BIAS}; Zaken et al., "BitFit", ACL 2022) and the DP engine picks a
 * per-sample norm rule by the layer that owns the parameter.
 */
public enum ParameterKind {
  /** A projection matrix of a {@link Linear} or a {@link Conv2d} kernel. */
  WEIGHT,
  /** The additive bias of a {@link Linear} or {@link Conv2d}. */
  BIAS,
  /** The scale γ of a {@link LayerNorm}. */
  NORM_WEIGHT,
  /** The shift β of a {@link LayerNorm}. */
  NORM_BIAS,
  /** The table of an {@link Embedding} (token, position or token-type vectors). */
  EMBEDDING
}
