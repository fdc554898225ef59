/**
 * The DP-SGD engine: per-sample gradient norms from one backward pass (bias sums, ghost norms,
 * instantiated per-sample gradients where cheaper), clipping, book-kept clipped sums and
 * Gaussian noise, following "The DP step" of docs/ARCHITECTURE.md and Bu et al., "Differentially
 * Private Bias-Term Fine-tuning of Foundation Models" (ICML 2024).
 */
package io.dpft.core.dp;
