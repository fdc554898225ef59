/**
 * Weight I/O: safetensors reading ({@link io.dpft.core.io.SafetensorsReader}, memory-mapped,
 * validated, F32/F16/BF16 as float32) and writing ({@link io.dpft.core.io.SafetensorsWriter}),
 * sharded checkpoints ({@link io.dpft.core.io.SafetensorsCheckpoint}), loading into a model's
 * named parameters ({@link io.dpft.core.io.WeightLoader} with {@link io.dpft.core.io.NameMapping}),
 * atomic file and directory writes ({@link io.dpft.core.io.AtomicFiles}) and the bundled
 * pretrained encoders ({@link io.dpft.core.io.PretrainedModels}). ONNX conversion lives in
 * {@link io.dpft.core.io.onnx}.
 *
 * <p>Tensors handed out by this package belong to the caller (attached to the caller's
 * {@code PointerScope} if one is open, otherwise closed by the caller).
 */
package io.dpft.core.io;
