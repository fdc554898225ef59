/**
 * Tasks bind a model to a dataset for training and evaluation: how batches become tensors, the
 * summed per-sample loss, predictions and metrics.
 */
package io.dpft.core.tasks;
