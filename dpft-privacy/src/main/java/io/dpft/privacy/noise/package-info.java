/** Gaussian noise for DP-SGD from a cryptographically secure generator. */
package io.dpft.privacy.noise;
