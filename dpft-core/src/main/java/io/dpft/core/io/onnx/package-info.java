/**
 * Conversion of ONNX exports into Hugging Face model directories
 * ({@link io.dpft.core.io.onnx.OnnxBertConverter}). {@code OnnxProto} is generated at build time
 * from {@code src/main/proto/onnx/onnx.proto} (ONNX 1.12, Apache-2.0; see the NOTICE there).
 */
package io.dpft.core.io.onnx;
