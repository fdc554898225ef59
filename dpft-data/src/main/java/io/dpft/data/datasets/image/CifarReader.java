package io.dpft.data.datasets.image;

import io.dpft.data.datasets.BadRows;
import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.MalformedRowException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Reads CIFAR-10/100 binary batch files record by record. Label names come from the format's
 * names file beside the first batch ({@code batches.meta.txt}, {@code fine_label_names.txt},
 * {@code coarse_label_names.txt}) when present, else are the numbers {@code "0"…}.
 */
public final class CifarReader {
  private CifarReader() {}

  public static ImageDataset read(
      List<Path> files, CifarFormat format, ImageTransform transform, boolean skipBadRows) {
    if (files.isEmpty()) {
      throw new IllegalArgumentException("files must name at least one CIFAR batch file");
    }
    BadRows bad = new BadRows(skipBadRows);
    List<RawImage> images = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (Path file : files) {
      readFile(file, format, bad, images, labels);
    }
    return new ImageDataset(
        String.join(", ", files.stream().map(Path::toString).toList()),
        images,
        labels.stream().mapToInt(Integer::intValue).toArray(),
        labelNames(files.get(0).resolveSibling(format.namesFile()), format),
        bad.toReport(),
        transform);
  }

  private static void readFile(
      Path file, CifarFormat format, BadRows bad, List<RawImage> images, List<Integer> labels) {
    try {
      long size = Files.size(file);
      if (size == 0 || size % format.recordBytes() != 0) {
        throw new IllegalArgumentException(
            file
                + ": size "
                + size
                + " bytes is not a positive multiple of the "
                + format.recordBytes()
                + "-byte "
                + format
                + " record; check the format (CIFAR-10 has 1 label byte, CIFAR-100 2)");
      }
      byte[] record = new byte[format.recordBytes()];
      try (InputStream raw = Files.newInputStream(file);
          DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
        for (long r = 0; r < size / format.recordBytes(); r++) {
          in.readFully(record);
          int label = record[format.labelOffset()] & 0xFF;
          if (label >= format.classes()) {
            bad.report(
                new MalformedRowException(
                    file.toString(),
                    0,
                    0,
                    "record "
                        + (r + 1)
                        + " (byte offset "
                        + r * format.recordBytes()
                        + "): label "
                        + label
                        + " is outside 0.."
                        + (format.classes() - 1)));
            continue;
          }
          byte[] pixels = Arrays.copyOfRange(record, record.length - CifarFormat.PIXELS, record.length);
          images.add(new RawImage(pixels, 3, CifarFormat.SIDE, CifarFormat.SIDE));
          labels.add(label);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read CIFAR batch " + file + ": " + e, e);
    }
  }

  private static LabelVocabulary labelNames(Path namesFile, CifarFormat format) {
    if (!Files.isRegularFile(namesFile)) {
      return new LabelVocabulary(
          IntStream.range(0, format.classes()).mapToObj(Integer::toString).toList());
    }
    try {
      List<String> names =
          Files.readAllLines(namesFile, StandardCharsets.UTF_8).stream()
              .map(String::trim)
              .filter(s -> !s.isEmpty())
              .toList();
      if (names.size() != format.classes()) {
        throw new IllegalArgumentException(
            namesFile + ": expected " + format.classes() + " label names, found " + names.size());
      }
      return new LabelVocabulary(names);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + namesFile + ": " + e, e);
    }
  }
}
