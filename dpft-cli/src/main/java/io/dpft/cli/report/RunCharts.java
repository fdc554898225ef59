package io.dpft.cli.report;

import io.dpft.cli.report.RunMetrics.EvalPoint;
import io.dpft.cli.report.RunMetrics.TrainPoint;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendLayout;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's curves against the optimizer step, drawn with XChart as PNG images: training loss,
 * an evaluation metric (accuracy, BLEU, ROUGE-L) of each evaluated split, and ε spent. Points with a non-finite value (a diverged loss)
 * are left out; a chart with no points is not drawn.
 */
final class RunCharts {
  static final int WIDTH = 760;
  static final int HEIGHT = 340;

  private RunCharts() {}

  /** Mean training loss of each step. */
  static Optional<byte[]> loss(List<TrainPoint> train) throws IOException {
    XYChart chart = chart("Training loss", "loss");
    chart.getStyler().setLegendVisible(false);
    boolean drawn = line(chart, "loss", train, TrainPoint::loss);
    return drawn ? Optional.of(png(chart)) : Optional.empty();
  }

  /**
   * The evaluation metric {@code name} (accuracy, BLEU, ...) of each split at each evaluation, one
   * series per split, under {@code title}.
   */
  static Optional<byte[]> metric(List<EvalPoint> evals, String name, String title)
      throws IOException {
    Map<String, List<EvalPoint>> bySplit = new LinkedHashMap<>();
    for (EvalPoint e : evals) {
      if (e.metrics().containsKey(name)) {
        bySplit.computeIfAbsent(e.split(), s -> new ArrayList<>()).add(e);
      }
    }
    XYChart chart = chart(title, name);
    boolean drawn = false;
    for (Map.Entry<String, List<EvalPoint>> split : bySplit.entrySet()) {
      List<double[]> points = new ArrayList<>();
      split
          .getValue()
          .forEach(e -> points.add(new double[] {e.step(), e.metrics().get(name)}));
      drawn |= series(chart, split.getKey(), points).isPresent();
    }
    return drawn ? Optional.of(png(chart)) : Optional.empty();
  }

  /** ε spent after each step, with the run's target as a dashed line when it has one. */
  static Optional<byte[]> epsilon(List<TrainPoint> train, double targetEpsilon) throws IOException {
    XYChart chart = chart("Privacy spent", "ε");
    if (!line(chart, "ε spent", train, TrainPoint::epsilon)) {
      return Optional.empty();
    }
    if (targetEpsilon > 0 && Double.isFinite(targetEpsilon)) {
      double first = train.get(0).step();
      double last = train.get(train.size() - 1).step();
      series(
              chart,
              "target ε",
              List.of(new double[] {first, targetEpsilon}, new double[] {last, targetEpsilon}))
          .ifPresent(
              target -> {
                target.setMarker(SeriesMarkers.NONE);
                target.setLineStyle(SeriesLines.DASH_DASH);
                target.setLineColor(Color.GRAY);
              });
    } else {
      chart.getStyler().setLegendVisible(false);
    }
    return Optional.of(png(chart));
  }

  private static XYChart chart(String title, String yAxis) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("step")
            .yAxisTitle(yAxis)
            .build();
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setLegendPosition(LegendPosition.OutsideS); // below the plot: hides no point
    chart.getStyler().setLegendLayout(LegendLayout.Horizontal);
    return chart;
  }

  /** A training-step series without markers; false when no point is finite. */
  private static boolean line(
      XYChart chart, String name, List<TrainPoint> train, ToDoubleFunction<TrainPoint> value) {
    List<double[]> points = new ArrayList<>();
    train.forEach(t -> points.add(new double[] {t.step(), value.applyAsDouble(t)}));
    Optional<XYSeries> series = series(chart, name, points);
    series.ifPresent(s -> s.setMarker(SeriesMarkers.NONE));
    return series.isPresent();
  }

  /** Adds the finite {@code points} (x, y) as a series, if there are any. */
  private static Optional<XYSeries> series(XYChart chart, String name, List<double[]> points) {
    double[][] finite = points.stream().filter(p -> Double.isFinite(p[1])).toArray(double[][]::new);
    if (finite.length == 0) {
      return Optional.empty();
    }
    double[] x = new double[finite.length];
    double[] y = new double[finite.length];
    for (int i = 0; i < finite.length; i++) {
      x[i] = finite[i][0];
      y[i] = finite[i][1];
    }
    return Optional.of(chart.addSeries(name, x, y));
  }

  private static byte[] png(XYChart chart) throws IOException {
    return BitmapEncoder.getBitmapBytes(chart, BitmapFormat.PNG);
  }
}
