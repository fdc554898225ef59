package io.dpft.core.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Exclusive ownership of a run directory while a process trains into it: an OS file lock
 * ({@code fcntl}) on its {@value #FILE} file, released by {@link #close()} or when the process
 * dies, so a crashed run never leaves a stale lock. The file holds the owner's pid for the
 * message another process gets.
 */
public final class RunDirectoryLock implements AutoCloseable {
  /** The lock file inside a run directory. */
  public static final String FILE = ".lock";

  private final Path directory;
  private final FileChannel channel;
  private final FileLock lock;

  private RunDirectoryLock(Path directory, FileChannel channel, FileLock lock) {
    this.directory = directory;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Creates {@code directory} if needed and takes its lock.
   *
   * @throws IllegalArgumentException if the directory cannot be created or written
   * @throws RunFailedException if another process (or another run in this one) holds it
   */
  public static RunDirectoryLock acquire(Path directory) throws IOException {
    Path file = directory.resolve(FILE);
    FileChannel channel;
    try {
      Files.createDirectories(directory);
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException(
          "cannot write run directory " + directory + ": permission denied on " + e.getFile()
              + "; choose a directory you can write", e);
    } catch (FileSystemException e) {
      throw new IllegalArgumentException(
          "cannot write run directory " + directory + ": " + e.getReason() + " (" + e.getFile()
              + ")", e);
    }
    try {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        throw heldBy(directory, channel);
      }
      channel.truncate(0);
      channel.write(
          ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)),
          0);
      return new RunDirectoryLock(directory, channel, lock);
    } catch (OverlappingFileLockException e) {
      throw heldBy(directory, channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static RunFailedException heldBy(Path directory, FileChannel channel) throws IOException {
    String pid;
    try {
      ByteBuffer bytes = ByteBuffer.allocate(32);
      channel.read(bytes, 0);
      pid = new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8).trim();
    } finally {
      channel.close();
    }
    return new RunFailedException(
        "run directory " + directory + " is in use by another dpft run"
            + (pid.isEmpty() ? "" : " (pid " + pid + ")")
            + "; wait for it to finish or choose another run directory");
  }

  /** The locked run directory. */
  public Path directory() {
    return directory;
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
