/**
 * Transformer models built from the DP-aware layers of {@link io.dpft.core.nn}, one readable file
 * per family, configured from a Hugging Face {@code config.json}. Parameter names equal the Hugging
 * Face checkpoint names, so loading weights is a loop over
 * {@link io.dpft.core.nn.Module#namedParameters()}. Text inputs arrive as a
 * {@link io.dpft.core.models.TokenBatch}, images as a pixel tensor.
 */
package io.dpft.core.models;
