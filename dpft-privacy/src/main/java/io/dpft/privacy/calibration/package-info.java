/** Noise calibration: the smallest noise multiplier that reaches a target (ε, δ). */
package io.dpft.privacy.calibration;
