package io.dpft.data.datasets.image;

import io.dpft.data.datasets.BadRows;
import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.MalformedRowException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads a folder of images laid out one sub-folder per class ({@code root/cat/001.png}), as
 * torchvision's {@code ImageFolder}: classes are the sub-folder names sorted by {@link
 * String#compareTo}; files are read in name order; hidden files (starting with '.') are ignored.
 * Images are decoded by {@link RawImage#read}; a file it cannot decode is a malformed row.
 */
public final class ImageFolderReader {
  private ImageFolderReader() {}

  public static ImageDataset read(Path root, ImageTransform transform, boolean skipBadRows) {
    List<Path> classDirs = list(root).filter(Files::isDirectory).toList();
    if (classDirs.isEmpty()) {
      throw new IllegalArgumentException(
          root + ": no class sub-folders; expected root/<class>/<image file>");
    }
    BadRows bad = new BadRows(skipBadRows);
    List<String> classNames = new ArrayList<>();
    List<RawImage> images = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (Path dir : classDirs) {
      int label = classNames.size();
      classNames.add(dir.getFileName().toString());
      for (Path file : list(dir).filter(Files::isRegularFile).toList()) {
        try {
          images.add(RawImage.read(file));
          labels.add(label);
        } catch (MalformedRowException e) {
          bad.report(e);
        }
      }
    }
    return new ImageDataset(
        root.toString(),
        images,
        labels.stream().mapToInt(Integer::intValue).toArray(),
        new LabelVocabulary(classNames),
        bad.toReport(),
        transform);
  }

  private static Stream<Path> list(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted()
          .toList()
          .stream();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e, e);
    }
  }
}
