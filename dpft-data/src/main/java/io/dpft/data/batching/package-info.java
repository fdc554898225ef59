/**
 * Packing of a sampled logical batch into physical batches. The sampler of {@code dpft-privacy}
 * decides which examples form a logical batch (Poisson sampling: a variable number of indices,
 * possibly none); the collators here decide how they are packed: at most a fixed number of
 * examples per physical batch (what fits in memory; gradients are accumulated across them), and
 * for text, length bucketing: the logical batch is sorted by length and each physical batch is
 * padded only to its own longest example. Output is plain arrays, flattened row-major, for the
 * core module to turn into tensors.
 */
package io.dpft.data.batching;
