/**
 * DP-aware layers written over functional torch ops, and the per-step {@link io.dpft.core.nn.Tape}
 * the DP engine reads.
 *
 * <p>A model is a tree of {@link io.dpft.core.nn.Module}s whose dotted parameter names are the
 * Hugging Face checkpoint names. Every trainable tensor is a {@link io.dpft.core.nn.Parameter}
 * tagged with a {@link io.dpft.core.nn.ParameterKind} and can be frozen. Layers with parameters
 * extend {@link io.dpft.core.nn.DpLayer}: while a tape is active they record their outputs (and,
 * for trainable weights, the activations the per-sample weight gradient needs), so one
 * {@code torch.grad} call yields every per-sample gradient signal of the step.
 *
 * <p>Native memory: parameters are long-lived (retained, closed by their module); everything a
 * forward pass creates belongs to the caller's per-step {@code PointerScope}.
 */
package io.dpft.core.nn;
