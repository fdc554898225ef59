package io.dpft.core.train;

/**
 * A run that cannot go on, for a reason the user can act on (a non-finite loss, a checkpoint that
 * cannot be written, a run directory another process holds). The message is one line meant for
 * the user: what happened, what was kept, and what to do.
 */
public class RunFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RunFailedException(String message) {
    super(message);
  }

  public RunFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
