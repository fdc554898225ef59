package io.dpft.core.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files and directories so that a reader sees either the old content or the complete new
 * content, never a half-written file: the content goes to a temporary file in the target's own
 * directory (same file system), is flushed to disk with {@code fsync}, and is then renamed over
 * the target with {@link StandardCopyOption#ATOMIC_MOVE} (POSIX {@code rename(2)}, atomic and
 * replacing). A crash leaves at most a hidden {@code .NAME.*.tmp} file (or
 * {@code .NAME.*.staging} directory) next to the target, never a truncated target.
 * Checkpoints, configs and converted models all write through this class.
 */
public final class AtomicFiles {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private AtomicFiles() {}

  /** Writes the content of a file through its channel (positioned at 0, opened for writing). */
  @FunctionalInterface
  public interface ChannelWriter {
    void writeTo(FileChannel channel) throws IOException;
  }

  /** Atomically replaces {@code target} with whatever {@code content} writes. */
  public static void write(Path target, ChannelWriter content) throws IOException {
    Path dir = parentOf(target);
    Files.createDirectories(dir);
    Path tmp = sibling(target, ".tmp");
    try {
      try (FileChannel channel =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        content.writeTo(channel);
        channel.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(dir);
    } finally {
      Files.deleteIfExists(tmp); // only still there when something failed before the rename
    }
  }

  /** Atomically replaces {@code target} with {@code bytes}. */
  public static void writeBytes(Path target, byte[] bytes) throws IOException {
    write(target, channel -> {
      OutputStream out = Channels.newOutputStream(channel);
      out.write(bytes);
      out.flush();
    });
  }

  /** Atomically replaces {@code target} with {@code value} as indented JSON (Jackson). */
  public static void writeJson(Path target, Object value) throws IOException {
    writeBytes(target, JSON.writeValueAsBytes(value));
  }

  /**
   * Creates an empty hidden directory next to {@code target} (same file system) in which a
   * directory's content can be assembled before {@link #publishDirectory} renames it.
   */
  public static Path createStagingDirectory(Path target) throws IOException {
    Files.createDirectories(parentOf(target));
    return Files.createDirectory(sibling(target, ".staging"));
  }

  /**
   * Renames a fully written staging directory to {@code target} in one atomic step. The target
   * must not exist or be an empty directory; an existing non-empty target is never replaced.
   *
   * @throws FileAlreadyExistsException if {@code target} exists and is not empty
   */
  public static void publishDirectory(Path staging, Path target) throws IOException {
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileSystemException e) { // rename(2) refuses: ENOTEMPTY / EEXIST
      if (Files.exists(target)) {
        throw new FileAlreadyExistsException(target.toString(), null,
            "output directory exists and is not empty; remove it first");
      }
      throw e;
    }
    syncDirectory(parentOf(target));
  }

  /**
   * Replaces the directory {@code target} (if any) by the fully written {@code staging}: the old
   * directory is first renamed aside, the new one renamed into place, then the old one deleted. A
   * reader never sees a half-written {@code target}. When the second rename fails, the old
   * directory is renamed back before the error is thrown; only a crash between the two renames
   * leaves no {@code target}, with the old content intact in the hidden {@code .NAME.*.previous}
   * directory next to it.
   */
  public static void replaceDirectory(Path staging, Path target) throws IOException {
    if (!Files.exists(target)) {
      publishDirectory(staging, target);
      return;
    }
    Path previous = sibling(target, ".previous");
    Files.move(target, previous, StandardCopyOption.ATOMIC_MOVE);
    try {
      publishDirectory(staging, target);
    } catch (IOException | RuntimeException e) {
      Files.move(previous, target, StandardCopyOption.ATOMIC_MOVE);
      throw e;
    }
    deleteRecursively(previous);
  }

  /** Deletes a directory tree (a failed or outdated staging or cache directory), if present. */
  public static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  /**
   * A fresh hidden name next to {@code target}. Unlike {@code Files.createTemp*}, the file is then
   * created with the default permissions (umask), which the published file keeps.
   */
  private static Path sibling(Path target, String suffix) {
    String random = Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
    return parentOf(target).resolve("." + target.getFileName() + "." + random + suffix);
  }

  private static Path parentOf(Path target) {
    Path parent = target.toAbsolutePath().getParent();
    if (parent == null) {
      throw new IllegalArgumentException(
          "target must be a file or directory below a directory, got " + target);
    }
    return parent;
  }

  /** Makes the rename itself durable (Linux: fsync on the directory). */
  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
