/** Benchmark harnesses (main methods, not tests) for weight I/O and ONNX conversion. */
package io.dpft.core.io.bench;
