/**
 * Per-sample gradient norms and clipped gradient sums of each layer kind, computed from the
 * layer's output gradient (and, for a trainable weight, its input) without materialising
 * per-sample weight gradients unless that is cheaper: bias gradients are output gradients summed
 * over positions (Bu et al., DP-BiTFiT, ICML 2024); weight norms by the ghost-norm identity
 * ‖aᵢᵀgᵢ‖²_F = ⟨aᵢaᵢᵀ, gᵢgᵢᵀ⟩ (Goodfellow 2015; Li et al., ICLR 2022) or by instantiation when
 * that takes fewer operations, T·(d_in + d_out) &gt; d_in·d_out (mixed ghost norm, Bu, Mao and
 * Xu, NeurIPS 2022); clipped sums by book-keeping, aᵀ(c∘g), with no second backward pass (Bu et
 * al., "Differentially private optimization on large model at small cost", ICML 2023).
 */
package io.dpft.core.dp.norms;
