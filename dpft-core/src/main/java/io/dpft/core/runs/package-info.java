/**
 * Finished runs: a run directory as training writes it ({@link io.dpft.core.runs.RunDirectory})
 * and its model rebuilt for evaluation, prediction and export ({@link
 * io.dpft.core.runs.TrainedModel}), so that a library user can do whatever {@code dpft eval},
 * {@code predict} and {@code export} do.
 */
package io.dpft.core.runs;
