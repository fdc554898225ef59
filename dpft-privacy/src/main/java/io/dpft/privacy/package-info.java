/**
 * Differential-privacy bookkeeping for DP-SGD, free of native code: privacy accountants for the
 * Poisson-subsampled Gaussian mechanism ({@link io.dpft.privacy.accounting}), noise calibration
 * for a target (ε, δ) ({@link io.dpft.privacy.calibration}), example sampling
 * ({@link io.dpft.privacy.sampling}) and secure Gaussian noise ({@link io.dpft.privacy.noise}),
 * both drawing on the cryptographically secure streams of {@link io.dpft.privacy.random}.
 * All argument checks live in {@link io.dpft.privacy.PrivacyChecks}.
 */
package io.dpft.privacy;
