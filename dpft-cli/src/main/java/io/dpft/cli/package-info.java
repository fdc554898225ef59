/**
 * The {@code dpft} command line: picocli commands that parse flags, build the library's records,
 * call the library and print the result. Commands hold no privacy logic of their own: whatever they
 * print, a library user can compute with {@link io.dpft.privacy} directly. Errors are mapped to
 * exit codes here ({@link io.dpft.cli.UsageErrorHandler}, {@link
 * io.dpft.cli.ExecutionErrorHandler}, {@link io.dpft.cli.ExitCodes}): 2 for bad input, 1 for
 * anything unexpected, 3 for a training run stopped at its privacy budget.
 */
package io.dpft.cli;
