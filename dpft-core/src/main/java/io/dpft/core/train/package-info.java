/**
 * The training loop: Poisson-sampled logical batches split into physical batches, DP-SGD
 * gradients (or plain ones, so DP's cost is always measurable), optimizer steps, the privacy
 * ledger, progress events and resumable checkpoints.
 */
package io.dpft.core.train;
