/**
 * {@code report.html} of a run directory: a self-contained page (charts embedded as PNG data URIs,
 * no external resources) with the loss, accuracy and ε-spent curves from {@code metrics.jsonl}, the
 * privacy guarantee of the run in words, its final metrics, dataset sizes, every setting of {@code
 * config.json} and the versions it ran with. {@link io.dpft.cli.report.HtmlReport#write} is the
 * entry point; every value read from the run is HTML-escaped.
 */
package io.dpft.cli.report;
