package io.dpft.data.datasets.builtin;

/**
 * A built-in dataset is not on this machine and cannot be fetched here; the message gives the one
 * command that provides it and where its file must go.
 */
public final class DatasetUnavailableException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public DatasetUnavailableException(String message) {
    super(message);
  }

  public DatasetUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
