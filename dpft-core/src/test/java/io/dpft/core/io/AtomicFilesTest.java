package io.dpft.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  @Test
  void writeBytes_replacesTheFileAndLeavesNoTemporaryFiles() throws IOException {
    Path target = dir.resolve("config.json");
    AtomicFiles.writeBytes(target, "old".getBytes(StandardCharsets.UTF_8));
    AtomicFiles.writeBytes(target, "new".getBytes(StandardCharsets.UTF_8));
    assertThat(target).hasContent("new");
    assertThat(listing(dir)).containsExactly("config.json");
  }

  @Test
  void write_failingHalfway_keepsTheOldContentAndLeavesNoTemporaryFiles() throws IOException {
    Path target = dir.resolve("checkpoint.bin");
    AtomicFiles.writeBytes(target, "complete old checkpoint".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> AtomicFiles.write(target, channel -> {
      channel.write(ByteBuffer.wrap("half of a new".getBytes(StandardCharsets.UTF_8)));
      throw new IOException("disk full");
    })).isInstanceOf(IOException.class).hasMessage("disk full");
    assertThat(target).hasContent("complete old checkpoint");
    assertThat(listing(dir)).containsExactly("checkpoint.bin");
  }

  @Test
  void write_failingForANewFile_leavesNothing() {
    Path target = dir.resolve("sub").resolve("new.bin");
    assertThatThrownBy(() -> AtomicFiles.write(target, channel -> {
      throw new IOException("interrupted");
    })).isInstanceOf(IOException.class);
    assertThat(target).doesNotExist();
    assertThat(listing(target.getParent())).isEmpty();
  }

  @Test
  void writeJson_writesReadableJson() throws IOException {
    Path target = dir.resolve("c.json");
    AtomicFiles.writeJson(target, Map.of("hidden_size", 384));
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(target.toFile())
        .path("hidden_size").asInt()).isEqualTo(384);
  }

  @Test
  void publishDirectory_movesAStagedTreeIntoPlace() throws IOException {
    Path target = dir.resolve("model");
    Path staging = AtomicFiles.createStagingDirectory(target);
    Files.writeString(staging.resolve("config.json"), "{}");
    AtomicFiles.publishDirectory(staging, target);
    assertThat(listing(target)).containsExactly("config.json");
    assertThat(listing(dir)).containsExactly("model");
  }

  @Test
  void publishDirectory_nonEmptyTarget_isNeverReplaced() throws IOException {
    Path target = Files.createDirectory(dir.resolve("model"));
    Files.writeString(target.resolve("keep.txt"), "mine");
    Path staging = AtomicFiles.createStagingDirectory(target);
    assertThatThrownBy(() -> AtomicFiles.publishDirectory(staging, target))
        .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining(target.toString());
    assertThat(target.resolve("keep.txt")).hasContent("mine");
  }

  @Test
  void replaceDirectory_replacesAnExistingTreeAndLeavesNothingElse() throws IOException {
    Path target = Files.createDirectory(dir.resolve("checkpoint"));
    Files.writeString(target.resolve("state.json"), "epoch 1");
    Files.writeString(target.resolve("old-only.bin"), "x");
    Path staging = AtomicFiles.createStagingDirectory(target);
    Files.writeString(staging.resolve("state.json"), "epoch 2");
    AtomicFiles.replaceDirectory(staging, target);
    assertThat(listing(target)).containsExactly("state.json");
    assertThat(target.resolve("state.json")).hasContent("epoch 2");
    assertThat(listing(dir)).containsExactly("checkpoint");
  }

  /** A failed publish (here: the staging directory is gone) puts the old directory back. */
  @Test
  void replaceDirectory_whenPublishingFails_keepsTheOldTree() throws IOException {
    Path target = Files.createDirectory(dir.resolve("checkpoint"));
    Files.writeString(target.resolve("state.json"), "epoch 1");
    Path missingStaging = dir.resolve(".checkpoint.gone.staging");
    assertThatThrownBy(() -> AtomicFiles.replaceDirectory(missingStaging, target))
        .isInstanceOf(IOException.class);
    assertThat(target.resolve("state.json")).hasContent("epoch 1");
    assertThat(listing(dir)).containsExactly("checkpoint");
  }

  @Test
  void replaceDirectory_withoutATarget_publishes() throws IOException {
    Path target = dir.resolve("checkpoint");
    Path staging = AtomicFiles.createStagingDirectory(target);
    Files.writeString(staging.resolve("state.json"), "epoch 1");
    AtomicFiles.replaceDirectory(staging, target);
    assertThat(target.resolve("state.json")).hasContent("epoch 1");
    assertThat(listing(dir)).containsExactly("checkpoint");
  }

  private static List<String> listing(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
