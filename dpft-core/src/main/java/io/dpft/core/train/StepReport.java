package io.dpft.core.train;

import io.dpft.core.dp.ClippingStats;

/**
 * What one optimizer step did: its number (0-based), the epoch reached, the examples it saw,
 * their mean loss, the learning rate, ε spent after it (0 without DP), throughput and, under DP,
 * clipping statistics of its last physical batch.
 */
public record StepReport(
    long step,
    long totalSteps,
    double epoch,
    int samples,
    double loss,
    double learningRate,
    double epsilon,
    double samplesPerSecond,
    ClippingStats clipping) {}
