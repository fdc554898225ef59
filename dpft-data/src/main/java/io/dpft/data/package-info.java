/**
 * Data for dpft: tokenizers ({@code tokenize}), dataset readers ({@code datasets}), packing of
 * sampled logical batches into physical batches ({@code batching}) and evaluation metrics
 * ({@code metrics}). Pure Java: everything leaves this module as plain arrays and records; the
 * core module turns them into tensors.
 */
package io.dpft.data;
