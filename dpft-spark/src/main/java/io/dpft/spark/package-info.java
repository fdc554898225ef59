/**
 * Data-parallel DP-SGD on Apache Spark: the core trainer on the driver samples each logical batch,
 * each executor clips the per-sample gradients of the batch's records its partitions hold and
 * returns only their sum; the driver adds the Gaussian noise once, steps the optimizer and records
 * the step in the privacy ledger, as a single-process run does (see docs/spark.md).
 */
package io.dpft.spark;
