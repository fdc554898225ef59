/**
 * Per-sample gradient norms and clipped gradient sums of each layer kind, computed from the
 * layer's output gradient (and, for a trainable weight, its input) without a second backward pass:
 * bias gradients are output gradients summed over positions (Bu et al., DP-BiTFiT, ICML 2024);
 * a linear weight either by book-keeping — norm by the ghost-norm identity
 * ‖aᵢᵀgᵢ‖²_F = ⟨aᵢaᵢᵀ, gᵢgᵢᵀ⟩ (Goodfellow 2015; Li et al., ICLR 2022) or a transient per-sample
 * gradient where that takes fewer operations, T·(d_in + d_out) &gt; d_in·d_out (mixed ghost norm,
 * Bu, Mao and Xu, NeurIPS 2022), clipped sum aᵀ(c∘g) (Bu et al., "Differentially private
 * optimization on large model at small cost", ICML 2023) — or, for long sequences, by per-sample
 * gradients formed during backward and held, from which norm and clipped sum come without a second
 * matrix product ({@link io.dpft.core.dp.norms.LinearCostModel}).
 */
package io.dpft.core.dp.norms;
