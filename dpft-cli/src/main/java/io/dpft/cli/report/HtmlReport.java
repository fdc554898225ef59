package io.dpft.cli.report;

import static io.dpft.cli.report.Decimals.significant;

import com.fasterxml.jackson.databind.JsonNode;
import io.dpft.cli.report.RunMetrics.EvalPoint;
import io.dpft.cli.report.RunMetrics.TrainPoint;
import io.dpft.core.io.AtomicFiles;
import io.dpft.core.runs.RunDirectory;
import io.dpft.core.tasks.AuditFile;
import io.dpft.core.tasks.CausalLmJob;
import io.dpft.core.tasks.ImageClassificationJob;
import io.dpft.core.tasks.TextClassificationJob;
import io.dpft.core.train.RunManifest;
import io.dpft.privacy.audit.AuditResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import org.apache.commons.text.translate.AggregateTranslator;
import org.apache.commons.text.translate.CharSequenceTranslator;
import org.apache.commons.text.translate.EntityArrays;
import org.apache.commons.text.translate.LookupTranslator;

/**
 * {@code report.html} of a run directory: one self-contained page (inline CSS, charts as base64 PNG
 * data URIs, no scripts, no external resources) with the privacy statement ({@link
 * PrivacyStatement}), final metrics, the curves of the loss, ε and each metric the run logged
 * ({@link RunCharts}), dataset sizes, every key of config.json (numbers to 4 significant digits;
 * the file keeps them exact) and the versions. Every value taken from the run is HTML-escaped.
 * Training calls {@link #write(Path)} at the end of a run; {@code dpft report} regenerates it.
 */
public final class HtmlReport {
  /** The file name inside a run directory. */
  public static final String FILE = "report.html";

  /** The evaluation metrics drawn as curves, by metrics.jsonl name, with their titles. */
  private static final Map<String, String> CHARTED_METRICS =
      orderedMap(
          TextClassificationJob.ACCURACY, "Accuracy",
          ImageClassificationJob.TOP_5_ACCURACY, "Top-5 accuracy",
          CausalLmJob.BLEU, "BLEU",
          CausalLmJob.ROUGE_L, "ROUGE-L");

  private static final String STYLE =
      "body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:820px;margin:24px auto;"
          + "padding:0 16px;color:#1d2330;line-height:1.45}"
          + "h1{margin-bottom:4px}h2{border-bottom:1px solid #d0d4dc;padding-bottom:4px;"
          + "margin-top:28px}"
          + ".sub{color:#5a6270;margin-top:0}"
          + ".privacy{background:#eef4ff;border-left:5px solid #3b6fd6;padding:10px 16px}"
          + ".privacy.none{background:#fff4e5;border-left-color:#d9822b}"
          + "table{border-collapse:collapse;margin:8px 0}"
          + "td,th{border:1px solid #d0d4dc;padding:3px 10px;text-align:left;vertical-align:top}"
          + "th{background:#f3f5f8}td.num{text-align:right;font-variant-numeric:tabular-nums}"
          + "code{font-family:'DejaVu Sans Mono',monospace;font-size:90%}"
          + "figure{margin:12px 0}img{max-width:100%;border:1px solid #e3e6ec}"
          + "figcaption{color:#5a6270;font-size:90%}"
          + "footer{margin-top:32px;color:#7a8290;font-size:85%}";

  /**
   * HTML escaping of text and attribute values: {@code & < > " '} become entities, every other
   * character stays as it is (the page is UTF-8, so ε and σ remain readable in the source).
   */
  private static final CharSequenceTranslator ESCAPE =
      new AggregateTranslator(
          new LookupTranslator(EntityArrays.BASIC_ESCAPE),
          new LookupTranslator(Map.<CharSequence, CharSequence>of("'", "&#39;")));

  private final RunDirectory run;
  private final RunMetrics metrics;
  private final StringBuilder html = new StringBuilder();

  private HtmlReport(RunDirectory run, RunMetrics metrics) {
    this.run = run;
    this.metrics = metrics;
  }

  /**
   * Writes {@value #FILE} into {@code runDirectory} (atomically: readers never see half a page).
   *
   * @return the file written
   * @throws IllegalArgumentException naming the file (and line) when the directory is not a run
   *     directory or its config.json or metrics.jsonl is malformed
   */
  public static Path write(Path runDirectory) throws IOException {
    return write(runDirectory, runDirectory.resolve(FILE));
  }

  /** Writes the report of {@code runDirectory} to {@code output}; see {@link #write(Path)}. */
  public static Path write(Path runDirectory, Path output) throws IOException {
    AtomicFiles.writeBytes(output, render(runDirectory).getBytes(StandardCharsets.UTF_8));
    return output;
  }

  /** The report of {@code runDirectory} as one HTML document. */
  public static String render(Path runDirectory) throws IOException {
    RunDirectory run = RunDirectory.open(runDirectory);
    return new HtmlReport(run, RunMetrics.read(run.metricsFile())).page();
  }

  private String page() throws IOException {
    RunManifest manifest = run.manifest();
    String name = String.valueOf(run.path().toAbsolutePath().normalize().getFileName());
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<title>dpft report: ")
        .append(escape(name))
        .append("</title>\n")
        .append("<style>")
        .append(STYLE)
        .append("</style>\n</head>\n<body>\n");
    html.append("<h1>dpft run report</h1>\n<p class=\"sub\">")
        .append(
            escape(
                name
                    + " · "
                    + manifest.model()
                    + " · "
                    + manifest.task()
                    + " on "
                    + manifest.dataset()
                    + " · "
                    + method(manifest)))
        .append("</p>\n");
    privacy();
    audit();
    finalMetrics();
    charts();
    heading("Data");
    keyValueTable("split", "examples", manifest.datasetSizes());
    if (manifest.skippedRows() != null && !manifest.skippedRows().isEmpty()) {
      html.append("<p>Malformed rows skipped (--skip-bad-rows): ")
          .append(escape(manifest.skippedRows().toString().replaceAll("[{}]", "")))
          .append("</p>\n");
    }
    html.append("<p>Labels: ")
        .append(escape(String.join(", ", manifest.labels())))
        .append("</p>\n");
    configuration();
    heading("Versions");
    keyValueTable("component", "version", manifest.versions());
    html.append("<footer>Written by dpft ")
        .append(escape(RunManifest.currentVersions().get("dpft")))
        .append(" at ")
        .append(Instant.now().truncatedTo(ChronoUnit.SECONDS))
        .append(" from ")
        .append(escape(run.path().toAbsolutePath().normalize().toString()))
        .append(".</footer>\n</body>\n</html>\n");
    return html.toString();
  }

  /** The method and, where it has any, its settings: {@code lora (lora_rank 8, lora_alpha 16)}. */
  private static String method(RunManifest manifest) {
    if (manifest.methodSettings().isEmpty()) {
      return manifest.method();
    }
    StringJoiner settings = new StringJoiner(", ", " (", ")");
    manifest.methodSettings().forEach((key, value) -> settings.add(key + " " + value));
    return manifest.method() + settings;
  }

  private void privacy() {
    boolean dp = run.manifest().privacy().dp();
    html.append("<section class=\"privacy").append(dp ? "" : " none").append("\">\n");
    heading("Privacy");
    html.append("<p>");
    List<String> sentences =
        new ArrayList<>(PrivacyStatement.of(run.manifest().privacy(), metrics.lastStep()));
    if (dp) {
      boolean batchStatistics =
          run.manifest().output() == null || run.manifest().output().batchStatistics();
      sentences.add(
          batchStatistics
              ? "The training loss and clipping statistics in this report and in metrics.jsonl"
                  + " are read from the private training batches and are NOT covered by this"
                  + " guarantee (--omit-batch-statistics leaves them out); the held-out scores"
                  + " are computed from the private model, so the guarantee covers the training"
                  + " data in them."
              : "The run left the statistics of its private training batches out: every number"
                  + " in this report is covered by this guarantee.");
    }
    html.append(escape(String.join(" ", sentences)));
    html.append("</p>\n</section>\n");
  }

  /** The one-run audit of the run ({@value AuditFile#FILE}), when it was audited. */
  private void audit() throws IOException {
    Optional<AuditResult> audited = AuditFile.read(run.path());
    if (audited.isEmpty()) {
      return;
    }
    AuditResult audit = audited.get();
    heading("Privacy audit");
    html.append("<p>")
        .append(escape(
            "One training run with " + audit.guesses().canaries() + " random-label canaries, each"
                + " in the training set with probability 1/2 (Steinke, Nasr and Jagielski,"
                + " \"Privacy auditing with one (1) training run\", NeurIPS 2023). The canaries"
                + " with the lowest loss were guessed included, those with the highest excluded;"
                + " the number of right guesses bounds ε from below. An honest run's bound"
                + " exceeds its claimed ε with probability at most "
                + significant(1 - audit.confidence(), 3) + "."))
        .append("</p>\n");
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("claimed ε",
        audit.claimedEpsilon().isPresent()
            ? significant(audit.claimedEpsilon().getAsDouble(), 4)
            : "none (not private)"));
    rows.add(List.of("audited lower bound ε̂", significant(audit.epsilonLowerBound(), 4)));
    rows.add(List.of("confidence", significant(audit.confidence(), 4)));
    rows.add(List.of("δ", significant(audit.delta(), 4)));
    rows.add(List.of("canaries", Integer.toString(audit.guesses().canaries())));
    rows.add(List.of("guesses made", Integer.toString(audit.guesses().guesses())));
    rows.add(List.of("guesses correct", Integer.toString(audit.guesses().correct())));
    table(List.of("audit", "value"), rows);
    if (audit.refutesClaim()) {
      html.append("<p><strong>")
          .append(escape("The audited lower bound exceeds the claimed ε: the run leaks more than"
              + " its privacy accounting allows (an implementation or accounting error)."))
          .append("</strong></p>\n");
    }
  }

  private void finalMetrics() {
    heading("Final metrics");
    Optional<TrainPoint> last = metrics.lastStep();
    if (last.isEmpty()) {
      html.append("<p>No training step was logged.</p>\n");
    } else {
      TrainPoint step = last.get();
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("steps", Long.toString(step.step())));
      rows.add(List.of("epoch", significant(step.epoch(), PrivacyStatement.DIGITS)));
      if (!Double.isNaN(step.loss())) {
        rows.add(List.of("training loss (last step)", significant(step.loss(), PrivacyStatement.DIGITS)));
      }
      if (run.manifest().privacy().dp()) {
        rows.add(List.of("ε spent", significant(step.epsilon(), PrivacyStatement.DIGITS)));
      }
      step.more().forEach((key, value) -> rows.add(List.of(key, significant(value, PrivacyStatement.DIGITS))));
      table(List.of("training", "value"), rows);
    }
    Map<String, EvalPoint> evals = metrics.lastEvalBySplit();
    if (evals.isEmpty()) {
      html.append("<p>No evaluation was logged.</p>\n");
      return;
    }
    Set<String> names = new LinkedHashSet<>();
    evals.values().forEach(e -> names.addAll(e.metrics().keySet()));
    List<String> header = new ArrayList<>(List.of("last evaluation", "step"));
    header.addAll(names);
    List<List<String>> rows = new ArrayList<>();
    for (EvalPoint e : evals.values()) {
      List<String> row = new ArrayList<>(List.of(e.split(), Long.toString(e.step())));
      names.forEach(
          n -> row.add(e.metrics().containsKey(n) ? significant(e.metrics().get(n), PrivacyStatement.DIGITS) : ""));
      rows.add(row);
    }
    table(header, rows);
  }

  private void charts() throws IOException {
    heading("Training curves");
    double target =
        run.manifest().privacy().dp() ? run.manifest().privacy().targetEpsilon() : Double.NaN;
    figure(RunCharts.loss(metrics.train()), "training loss", "Mean loss of each logical batch.");
    Set<String> logged = new LinkedHashSet<>();
    metrics.evals().forEach(e -> logged.addAll(e.metrics().keySet()));
    for (Map.Entry<String, String> metric : CHARTED_METRICS.entrySet()) {
      if (!logged.contains(metric.getKey())) {
        continue; // a metric of another task (no BLEU for a classifier)
      }
      figure(
          RunCharts.metric(metrics.evals(), metric.getKey(), metric.getValue()),
          metric.getKey(),
          metric.getValue() + " at each evaluation, per split.");
    }
    if (run.manifest().privacy().dp()) {
      figure(
          RunCharts.epsilon(metrics.train(), target),
          "epsilon spent",
          "ε spent after each step at δ = "
              + significant(run.manifest().privacy().delta(), PrivacyStatement.DIGITS)
              + " ("
              + run.manifest().privacy().accountant()
              + " accountant).");
    } else {
      html.append("<p>No ε curve: the run is not differentially private.</p>\n");
    }
  }

  private void figure(Optional<byte[]> png, String what, String caption) {
    if (png.isEmpty()) {
      html.append("<p>No ").append(escape(what)).append(" was logged.</p>\n");
      return;
    }
    html.append("<figure><img class=\"chart\" alt=\"")
        .append(escape(what))
        .append("\" width=\"")
        .append(RunCharts.WIDTH)
        .append("\" height=\"")
        .append(RunCharts.HEIGHT)
        .append("\" src=\"data:image/png;base64,")
        .append(Base64.getEncoder().encodeToString(png.get()))
        .append("\"><figcaption>")
        .append(escape(caption))
        .append("</figcaption></figure>\n");
  }

  /** Every key of config.json, nested objects flattened to dotted names. */
  private void configuration() {
    heading("Configuration");
    List<List<String>> rows = new ArrayList<>();
    flatten("", run.config(), rows);
    table(List.of("key (" + RunManifest.FILE + ")", "value"), rows);
  }

  private static void flatten(String prefix, JsonNode node, List<List<String>> rows) {
    if (node.isObject() && !node.isEmpty()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        flatten(
            prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(),
            field.getValue(),
            rows);
      }
    } else {
      rows.add(List.of(prefix, cell(node)));
    }
  }

  /** A config.json value: text as it is, a fractional number to 4 significant digits. */
  private static String cell(JsonNode node) {
    if (node.isTextual()) {
      return node.asText();
    }
    return node.isFloatingPointNumber()
        ? significant(node.doubleValue(), PrivacyStatement.DIGITS)
        : node.toString();
  }

  private void heading(String title) {
    html.append("<h2>").append(escape(title)).append("</h2>\n");
  }

  private void keyValueTable(String key, String value, Map<String, ?> entries) {
    List<List<String>> rows = new ArrayList<>();
    entries.forEach((k, v) -> rows.add(List.of(k, String.valueOf(v))));
    table(List.of(key, value), rows);
  }

  /** A table of escaped cells; cells that are numbers are right-aligned. */
  private void table(List<String> header, List<List<String>> rows) {
    html.append("<table>\n<tr>");
    header.forEach(h -> html.append("<th>").append(escape(h)).append("</th>"));
    html.append("</tr>\n");
    for (List<String> row : rows) {
      html.append("<tr>");
      for (String cell : row) {
        html.append(isNumber(cell) ? "<td class=\"num\">" : "<td>")
            .append(escape(cell))
            .append("</td>");
      }
      html.append("</tr>\n");
    }
    html.append("</table>\n");
  }

  private static String escape(String value) {
    return ESCAPE.translate(value);
  }

  private static boolean isNumber(String cell) {
    return cell.matches("-?\\d[\\d.]*(e-?\\d+)?|-?\\d(\\.\\d+)?E-?\\d+");
  }

  private static Map<String, String> orderedMap(String... keysAndValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(map);
  }
}
