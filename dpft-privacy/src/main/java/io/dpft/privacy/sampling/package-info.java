/**
 * Which examples form each batch. Poisson sampling (each example independently with probability
 * q) is what the accountants analyse; fixed-size shuffled batches are offered but flagged.
 */
package io.dpft.privacy.sampling;
