package io.dpft.data.datasets.builtin;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/** Streams the regular-file entries of a gzip-compressed tar (an npm tarball) with Commons Compress. */
final class TgzEntries {
  /** Receives one entry; {@code content} is valid only during the call (closing it is harmless). */
  interface EntryHandler {
    void entry(String name, InputStream content) throws IOException;
  }

  private TgzEntries() {}

  static void forEach(Path tgz, EntryHandler handler) {
    try (InputStream file = Files.newInputStream(tgz);
        TarArchiveInputStream tar =
            new TarArchiveInputStream(
                new GzipCompressorInputStream(new BufferedInputStream(file, 1 << 16)))) {
      // Readers built on an entry (Jackson parsers) close it when done: keep the archive open.
      InputStream unclosable =
          new FilterInputStream(tar) {
            @Override
            public void close() {}
          };
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        if (entry.isFile()) {
          handler.entry(entry.getName(), unclosable);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + tgz + ": " + e, e);
    }
  }
}
