package io.dpft.data.datasets.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offline behaviour of the fetcher: no npm, cached files, corrupted files. */
class NpmFetcherTest {
  /** SHA-256 of the 5 bytes "hello" (sha256sum). */
  private static final String HELLO_SHA256 =
      "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

  private static final NpmTarball HELLO = new NpmTarball("hello@1.0.0", "hello-1.0.0.tgz", HELLO_SHA256);

  @TempDir Path dir;

  @Test
  void fetch_withoutNpm_explainsTheOneCommandAndWhereToPutTheFile() {
    NpmFetcher fetcher = new NpmFetcher("dpft-test-no-such-npm-command");
    Path cache = dir.resolve("sentiment");
    assertThatThrownBy(() -> fetcher.fetch(SentimentDataset.PACKAGE, cache))
        .isInstanceOf(DatasetUnavailableException.class)
        .hasMessageContaining("npm pack sentiment@5.0.2")
        .hasMessageContaining("sentiment-5.0.2.tgz")
        .hasMessageContaining(cache.toString())
        .hasMessageContaining(SentimentDataset.PACKAGE.sha256());
  }

  @Test
  void fetch_fileAlreadyCached_usedWithoutNpm() throws IOException {
    Files.writeString(dir.resolve(HELLO.fileName()), "hello", StandardCharsets.US_ASCII);
    Path fetched = new NpmFetcher("dpft-test-no-such-npm-command").fetch(HELLO, dir);
    assertThat(fetched).isEqualTo(dir.resolve(HELLO.fileName()));
  }

  @Test
  void fetch_cachedFileCorrupted_throwsWithBothDigests() throws IOException {
    Files.writeString(dir.resolve(HELLO.fileName()), "hellO", StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> new NpmFetcher("dpft-test-no-such-npm-command").fetch(HELLO, dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("expected " + HELLO_SHA256)
        .hasMessageContaining("delete it");
  }

  @Test
  void tarball_badDigest_throws() {
    assertThatThrownBy(() -> new NpmTarball("x@1", "x-1.tgz", "ABC"))
        .hasMessageContaining("sha256 must be 64 lower-case hex digits, got ABC");
  }

  @Test
  void cacheRoot_systemPropertyWins() {
    String previous = System.getProperty(DatasetCache.ROOT_PROPERTY);
    try {
      System.setProperty(DatasetCache.ROOT_PROPERTY, dir.toString());
      assertThat(DatasetCache.datasetDir("spam")).isEqualTo(dir.resolve("datasets").resolve("spam"));
    } finally {
      if (previous == null) {
        System.clearProperty(DatasetCache.ROOT_PROPERTY);
      } else {
        System.setProperty(DatasetCache.ROOT_PROPERTY, previous);
      }
    }
  }

  @Test
  void spamBody_dropsHeadersUpToFirstBlankLine() {
    assertThat(SpamAssassinDataset.body("m", "From: a\r\nSubject: b\r\n\r\nHi\n\nthere"))
        .isEqualTo("Hi\n\nthere");
    assertThatThrownBy(() -> SpamAssassinDataset.body("m", "From: a\nSubject: b"))
        .hasMessageContaining("no blank line ends the message headers");
  }
}
