package io.dpft.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens a report in headless Chromium (Debian's {@code chromium}; {@code .ci/run} installs it) and
 * checks the screenshot: a page that failed to render is blank, a single colour. Skipped when no
 * chromium is on the PATH.
 */
class ReportRenderingTest {
  private static final int WIDTH = 1200;
  private static final int HEIGHT = 2000;

  /** The privacy box's background, {@code #eef4ff}: seen only if the inline CSS was applied. */
  private static final int PRIVACY_BACKGROUND = 0xeef4ff;

  @TempDir Path dir;

  private static Path chromium() {
    for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(entry, "chromium");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  @Test
  void report_rendersInHeadlessChromium() throws Exception {
    Path chromium = chromium();
    assumeTrue(chromium != null, "chromium is not installed");
    Path run =
        RunFiles.write(
            dir.resolve("run"),
            RunFiles.manifest(
                "all-minilm-l6-v2",
                "/models/minilm",
                "sentiment",
                List.of("0", "1"),
                RunFiles.SECURE));
    Path report = HtmlReport.write(run);
    Path screenshot = dir.resolve("screenshot.png");

    Process process =
        new ProcessBuilder(
                chromium.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--user-data-dir=" + dir.resolve("profile"),
                "--screenshot=" + screenshot,
                "--window-size=" + WIDTH + "," + HEIGHT,
                report.toUri().toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("chromium.log").toFile())
            .start();
    boolean exited = process.waitFor(90, TimeUnit.SECONDS);
    if (!exited) {
      process.destroyForcibly().waitFor();
    }

    assertThat(exited).as("chromium finished within 90 s").isTrue();
    assertThat(screenshot).as(Files.readString(dir.resolve("chromium.log"))).isRegularFile();
    // kept for a look by eye: target/report-rendering.png
    Files.copy(
        screenshot, Path.of("target", "report-rendering.png"), StandardCopyOption.REPLACE_EXISTING);
    BufferedImage image = ImageIO.read(screenshot.toFile());
    assertThat(image.getWidth()).isEqualTo(WIDTH);
    Set<Integer> colours = new HashSet<>();
    long privacyBox = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y) & 0xffffff;
        colours.add(rgb);
        if (rgb == PRIVACY_BACKGROUND) {
          privacyBox++;
        }
      }
    }
    assertThat(colours.size()).as("distinct colours (text, charts)").isGreaterThan(100);
    assertThat(privacyBox).as("pixels of the privacy box").isGreaterThan(10_000);
  }
}
