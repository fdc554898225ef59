/**
 * Fine-tuning methods: which parameters of a pretrained model train. Each method is a record of
 * the sealed {@link io.dpft.core.peft.FineTuningMethod}; every one runs with DP on or off.
 */
package io.dpft.core.peft;
