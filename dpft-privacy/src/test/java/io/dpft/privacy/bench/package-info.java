/**
 * Microbenchmarks run as plain {@code main()} programs (not unit tests): {@link
 * io.dpft.privacy.bench.AccountantBench} for the accountants and calibration, {@link
 * io.dpft.privacy.bench.PrvBench} for the PRV accountant on a long run, {@link
 * io.dpft.privacy.bench.NoiseBench} for noise and sampling throughput.
 */
package io.dpft.privacy.bench;
