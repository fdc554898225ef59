/**
 * Data-parallel DP-SGD on Apache Spark: each executor clips the per-sample gradients of its
 * partitions' share of a Poisson-sampled logical batch and returns only their sum; the driver adds
 * the Gaussian noise once, steps the optimizer and records the step in the privacy ledger, as a
 * single-process run does (see docs/spark.md).
 */
package io.dpft.spark;
