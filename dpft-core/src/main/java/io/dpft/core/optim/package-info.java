/**
 * Optimizers and learning-rate schedules over explicit gradient tensors. They take the gradient
 * to apply as an argument (the DP engine's noised, clipped sum or autograd's gradient), so one
 * implementation serves private and non-private training.
 */
package io.dpft.core.optim;
