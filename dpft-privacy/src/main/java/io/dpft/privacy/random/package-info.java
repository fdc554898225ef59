/**
 * Cryptographically secure random streams for sampling and noise: AES-256 in counter mode
 * ({@link io.dpft.privacy.random.AesCtrRandom}) under a secret {@link
 * io.dpft.privacy.random.StreamKey}, keyed from {@link java.security.SecureRandom} unless the user
 * asks for a reproducible seed.
 */
package io.dpft.privacy.random;
