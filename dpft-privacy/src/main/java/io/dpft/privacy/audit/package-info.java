/**
 * Privacy auditing in one training run (Steinke, Nasr and Jagielski, "Privacy auditing with one
 * (1) training run", NeurIPS 2023, arXiv:2305.08846): m canaries, each included in the training
 * set independently with probability 1/2 ({@link io.dpft.privacy.audit.CanaryInclusion}); after
 * training the auditor guesses which were included from their scores ({@link
 * io.dpft.privacy.audit.CanaryGuesses}); the number of correct guesses gives a lower bound on ε
 * at a chosen confidence ({@link io.dpft.privacy.audit.EpsilonLowerBound}) that an honest (ε,
 * δ)-DP implementation exceeds only with probability at most 1 − confidence.
 */
package io.dpft.privacy.audit;
