/**
 * Privacy accountants for the Poisson-subsampled Gaussian mechanism behind one sealed interface
 * ({@link io.dpft.privacy.accounting.PrivacyAccountant}): Rényi DP, privacy random variables
 * (PRV) and Gaussian DP. The history they read is a {@link io.dpft.privacy.accounting.PrivacyLedger}.
 */
package io.dpft.privacy.accounting;
