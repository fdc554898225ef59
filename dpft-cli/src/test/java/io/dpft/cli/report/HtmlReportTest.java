package io.dpft.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.train.MetricsLog;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.RunManifest.PrivacySettings;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.commons.text.StringEscapeUtils;
import io.dpft.core.tasks.AuditFile;
import io.dpft.privacy.audit.AuditResult;
import io.dpft.privacy.audit.CanaryGuesses;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
  private static final Pattern PNG =
      Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");

  @TempDir Path dir;

  private Path run(PrivacySettings privacy) throws Exception {
    return RunFiles.write(
        dir.resolve("run"),
        RunFiles.manifest(
            "all-minilm-l6-v2", "/models/minilm", "sentiment", List.of("0", "1"), privacy));
  }

  /** The page's text with tags dropped and entities decoded, whitespace folded. */
  private static String text(String html) {
    return StringEscapeUtils.unescapeHtml4(html.replaceAll("<[^>]+>", " ")).replaceAll("\\s+", " ");
  }

  @Test
  void render_secureRun_statesTheGuaranteeWithNumbersToFourSignificantDigits() throws Exception {
    String page = text(HtmlReport.render(run(RunFiles.SECURE)));

    // δ = 1.9185072261236716e-4, q = 0.053467000835421885, σ = 0.81234567891 rounded to 4 digits
    assertThat(page)
        .contains(
            "This run is (ε, δ)-differentially private with ε = 3.5, δ = 1.919e-4 under the RDP"
                + " (Rényi DP) accountant: Poisson sampling at q = 0.05347, T = 48 steps, noise"
                + " multiplier σ = 0.8123, per-sample clipping at C = 1 (Abadi); batches and noise"
                + " drawn from a cryptographically secure generator.")
        .doesNotContain("seeded")
        .doesNotContain("0.053467000835421885")
        .doesNotContain("0.81234567891");
  }

  @Test
  void render_methodWithSettings_namesTheMethodWithItsSettings() throws Exception {
    Path run = run(RunFiles.SECURE);
    Path config = run.resolve(RunManifest.FILE);
    String recorded = Files.readString(config).replace("\"method\" : \"bitfit\"",
        "\"method\" : \"adapter\"").replace("\"method_settings\" : { }",
        "\"method_settings\" : { \"adapter_size\" : \"16\" }");
    Files.writeString(config, recorded);

    assertThat(text(HtmlReport.render(run))).contains("adapter (adapter_size 16)");
  }

  @Test
  void render_classifierRun_showsOnlyTheMetricsItLogs() throws Exception {
    String page = text(HtmlReport.render(run(RunFiles.SECURE)));

    assertThat(page).contains("Accuracy at each evaluation");
    assertThat(page).doesNotContainIgnoringCase("bleu").doesNotContainIgnoringCase("rouge");
  }

  @Test
  void render_secureRun_reportsTheEpsilonSpentByTheLastStep() throws Exception {
    String page = text(HtmlReport.render(run(RunFiles.SECURE)));

    // ε after the last step is 3·√(48/48) = 3
    assertThat(page)
        .contains("By the last logged step (48 of 48) the accountant reports ε = 3 spent.");
  }

  @Test
  void render_seededRun_saysTheGuaranteeDoesNotHoldAgainstWhoKnowsTheSeed() throws Exception {
    String page = text(HtmlReport.render(run(RunFiles.SEEDED)));

    assertThat(page)
        .contains("batches and noise were drawn from a generator seeded with 42 (--seed)")
        .contains("the guarantee does not hold against anyone who knows the seed")
        .contains("per-sample clipping at C = 1 (automatic)")
        .doesNotContain("cryptographically secure")
        .doesNotContain("This run is (ε, δ)-differentially private");
  }

  @Test
  void render_nonPrivateRun_saysThereIsNoGuaranteeAndDrawsNoEpsilonCurve() throws Exception {
    String html = HtmlReport.render(run(RunFiles.NON_PRIVATE));

    assertThat(text(html))
        .contains("This run is not differentially private")
        .contains("there is no privacy guarantee")
        .doesNotContain("(ε, δ)-differentially private with");
    assertThat(pngs(html)).hasSize(2);
    assertThat(html).doesNotContain("alt=\"epsilon spent\"");
  }

  @Test
  void render_embedsLossAccuracyAndEpsilonChartsAsPngs_andNoExternalResource() throws Exception {
    String html = HtmlReport.render(run(RunFiles.SECURE));

    List<BufferedImage> images = pngs(html);
    assertThat(images).hasSize(3);
    for (BufferedImage image : images) {
      assertThat(image.getWidth()).isEqualTo(RunCharts.WIDTH);
      assertThat(image.getHeight()).isEqualTo(RunCharts.HEIGHT);
    }
    assertThat(html)
        .contains("alt=\"training loss\"", "alt=\"accuracy\"", "alt=\"epsilon spent\"")
        .doesNotContain("http://", "https://", "<script", "<link", "url(");
  }

  @Test
  void render_causalLmRun_drawsBleuAndRougeLCurvesInsteadOfAccuracy() throws Exception {
    Path runDir = run(RunFiles.SECURE);
    // a table-to-text run logs BLEU and ROUGE-L where a classifier logs accuracy
    List<String> lines = new java.util.ArrayList<>();
    for (String line : java.nio.file.Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
      lines.add(line.replaceAll("\"accuracy\":([0-9.]+)", "\"bleu\":$1,\"rouge_l\":0.5"));
    }
    java.nio.file.Files.write(runDir.resolve("metrics.jsonl"), lines);

    String html = HtmlReport.render(runDir);

    assertThat(pngs(html)).hasSize(4);
    assertThat(html)
        .contains("alt=\"bleu\"", "alt=\"rouge_l\"", "BLEU at each evaluation")
        .doesNotContain("alt=\"accuracy\"");
  }

  @Test
  void render_finalMetrics_areTheLastLoggedValues() throws Exception {
    String html = HtmlReport.render(run(RunFiles.SECURE));

    assertThat(html)
        .contains("<td>training loss (last step)</td><td class=\"num\">0.25</td>")
        .contains("<td>validation</td><td class=\"num\">48</td><td class=\"num\">0.875</td>")
        .contains("<td>test</td><td class=\"num\">48</td><td class=\"num\">0.8125</td>")
        .contains("<td>train</td><td class=\"num\">768</td>");
  }

  @Test
  void render_listsEveryKeyOfConfigJsonWithItsValue() throws Exception {
    Path run = run(RunFiles.SECURE);
    String html = HtmlReport.render(run);

    JsonNode config = new ObjectMapper().readTree(run.resolve(RunManifest.FILE).toFile());
    List<String[]> leaves = new ArrayList<>();
    leaves(config, "", leaves);
    assertThat(leaves).hasSizeGreaterThan(25);
    for (String[] leaf : leaves) {
      assertThat(html)
          .as(leaf[0])
          .containsPattern(
              "<td>"
                  + Pattern.quote(escaped(leaf[0]))
                  + "</td><td( class=\"num\")?>"
                  + Pattern.quote(escaped(leaf[1]))
                  + "</td>");
    }
    assertThat(html)
        .contains("<td>privacy.noise_multiplier</td><td class=\"num\">0.8123</td>")
        .contains("<td>privacy.sample_rate</td><td class=\"num\">0.05347</td>");
  }

  /** HTML escaping of the five special characters. */
  private static String escaped(String value) {
    return value
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }

  private static void leaves(JsonNode node, String prefix, List<String[]> out) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        leaves(f.getValue(), prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey(), out);
      }
    } else {
      out.add(new String[] {prefix, value(node)});
    }
  }

  /** A leaf as the report shows it: a fractional number to 4 significant digits. */
  private static String value(JsonNode node) {
    if (node.isTextual()) {
      return node.textValue();
    }
    if (!node.isFloatingPointNumber()) {
      return node.toString();
    }
    // %.4g rounds to 4 significant digits; the report writes the same number without padding
    double rounded = Double.parseDouble(String.format(Locale.ROOT, "%.4g", node.doubleValue()));
    String plain = new java.math.BigDecimal(Double.toString(rounded)).stripTrailingZeros()
        .toPlainString();
    if (Math.abs(rounded) >= 0.001 || rounded == 0) {
      return plain;
    }
    String[] parts = String.format(Locale.ROOT, "%.3e", rounded).split("e");
    return new java.math.BigDecimal(parts[0]).stripTrailingZeros().toPlainString() + "e"
        + Integer.parseInt(parts[1]);
  }

  @Test
  void render_escapesHtmlInValuesFromTheRun() throws Exception {
    String evil = "<script>alert(\"x\")</script>";
    Path run =
        RunFiles.write(
            dir.resolve("run"),
            RunFiles.manifest(
                "m&m <b>", "/models/x", evil, List.of("a<b", "c'd"), RunFiles.SECURE));

    String html = HtmlReport.render(run);

    assertThat(html)
        .doesNotContain("<script", "<b>", "a<b")
        .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")
        .contains("m&amp;m &lt;b&gt;")
        .contains("a&lt;b, c&#39;d");
  }

  @Test
  void render_notARunDirectory_namesTheMissingConfig() throws Exception {
    Files.createDirectories(dir.resolve("empty"));

    assertThatThrownBy(() -> HtmlReport.render(dir.resolve("empty")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a run directory")
        .hasMessageContaining(dir.resolve("empty").resolve(RunManifest.FILE).toString());
  }

  @Test
  void render_garbledMetricsLine_namesFileAndLine() throws Exception {
    Path run = run(RunFiles.SECURE);
    Path metrics = run.resolve(MetricsLog.FILE);
    List<String> lines = new ArrayList<>(Files.readAllLines(metrics));
    lines.set(4, "{\"type\":\"train\",\"step\":5,");
    Files.write(metrics, lines);

    assertThatThrownBy(() -> HtmlReport.render(run))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(metrics + ", line 5: not valid JSON");
  }

  @Test
  void write_putsReportHtmlIntoTheRunDirectory() throws Exception {
    Path run = run(RunFiles.SECURE);

    Path written = HtmlReport.write(run);

    assertThat(written).isEqualTo(run.resolve(HtmlReport.FILE)).isRegularFile();
    assertThat(Files.readString(written)).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
  }

  private static List<BufferedImage> pngs(String html) throws Exception {
    List<BufferedImage> images = new ArrayList<>();
    Matcher m = PNG.matcher(html);
    while (m.find()) {
      BufferedImage image =
          ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
      assertThat(image).as("a decodable PNG").isNotNull();
      images.add(image);
    }
    return images;
  }

  @Test
  void render_auditedRun_showsTheAuditAndFlagsABoundAboveTheClaim() throws Exception {
    Path run = run(RunFiles.SECURE);
    AuditResult refuting =
        new AuditResult(OptionalDouble.of(0.5), 1e-5, 0.95, new CanaryGuesses(1000, 100, 90), 1.25);
    AuditFile.write(run, refuting);
    String page = text(HtmlReport.render(run));
    assertThat(page)
        .contains("Privacy audit")
        .contains("claimed ε 0.5 ")
        .contains("audited lower bound ε̂ 1.25 ")
        .contains("guesses made 100 ")
        .contains("guesses correct 90 ")
        .contains("1000 random-label canaries")
        .contains("exceeds the claimed ε");

    AuditFile.write(
        run, new AuditResult(OptionalDouble.of(8), 1e-5, 0.95, new CanaryGuesses(1000, 100, 60), 0.1));
    assertThat(text(HtmlReport.render(run)))
        .contains("audited lower bound ε̂ 0.1 ")
        .doesNotContain("exceeds the claimed ε");
  }

  @Test
  void render_unauditedRun_hasNoAuditSection() throws Exception {
    assertThat(text(HtmlReport.render(run(RunFiles.SECURE)))).doesNotContain("Privacy audit");
  }
}
