/**
 * Throughput and peak-memory benchmarks of fine-tuning steps on a synthetic batch with real
 * pretrained weights: each configuration (method × DP on/off) runs the trainer's own step, one
 * after another in one process, so the numbers compare DP-SGD with ghost clipping and
 * book-keeping (Bu et al., "Differentially Private Optimization on Large Model at Small Cost",
 * ICML 2023; DP-BiTFiT, Bu et al., ICML 2024) against non-private training and against the naive
 * per-example loop it replaces.
 */
package io.dpft.core.bench;
