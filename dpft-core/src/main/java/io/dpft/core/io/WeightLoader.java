package io.dpft.core.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Copies checkpoint tensors into a model's live parameters ({@code Map<String, Tensor>} keyed
 * by Hugging Face names such as {@code encoder.layer.0.attention.self.query.bias}). Each tensor
 * is read, copied with {@code copy_} under {@code NoGradGuard} (so autograd records nothing and
 * the parameter keeps its dtype, device and {@code requires_grad}) and freed at once, so at most
 * one checkpoint tensor is in memory besides the model.
 *
 * <p>All names and shapes are compared from the file headers before any data is read. In
 * {@link Mode#STRICT} any missing parameter, unexpected tensor or shape mismatch fails the whole
 * load with every problem listed and nothing copied; in {@link Mode#LENIENT} the matching tensors
 * are copied and the {@link LoadReport} lists the rest.
 */
public final class WeightLoader {
  private WeightLoader() {}

  /** Whether an incomplete match is an error. */
  public enum Mode { STRICT, LENIENT }

  /** A tensor whose shape in the file differs from the parameter's. */
  public record ShapeMismatch(String parameter, String fileTensor, Path file, long[] fileShape,
      long[] parameterShape) {
    public ShapeMismatch {
      fileShape = fileShape.clone();
      parameterShape = parameterShape.clone();
    }

    @Override
    public String toString() {
      return "'" + parameter + "': " + file + " has '" + fileTensor + "' of shape "
          + Arrays.toString(fileShape) + ", the parameter has shape "
          + Arrays.toString(parameterShape);
    }
  }

  /**
   * What a load did: parameters copied, parameters with no tensor in the file, file tensors
   * with no parameter, and shape mismatches (not copied).
   */
  public record LoadReport(List<String> loaded, List<String> missing, List<String> unexpected,
      List<ShapeMismatch> mismatched) {
    public LoadReport {
      loaded = List.copyOf(loaded);
      missing = List.copyOf(missing);
      unexpected = List.copyOf(unexpected);
      mismatched = List.copyOf(mismatched);
    }

    /** True if every parameter was loaded and every file tensor used. */
    public boolean isComplete() {
      return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
    }
  }

  /** A strict load that found problems; {@link #report()} lists them all. */
  public static final class IncompatibleWeightsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final transient LoadReport report;

    IncompatibleWeightsException(Path source, LoadReport report) {
      super(describe(source, report));
      this.report = report;
    }

    public LoadReport report() {
      return report;
    }

    private static String describe(Path source, LoadReport r) {
      StringBuilder sb = new StringBuilder("weights in " + source + " do not match the model:");
      if (!r.missing().isEmpty()) {
        sb.append("\n  missing in the file (").append(r.missing().size()).append("): ")
            .append(String.join(", ", r.missing()));
      }
      if (!r.unexpected().isEmpty()) {
        sb.append("\n  unexpected in the file (").append(r.unexpected().size()).append("): ")
            .append(String.join(", ", r.unexpected()));
      }
      for (ShapeMismatch m : r.mismatched()) {
        sb.append("\n  shape mismatch ").append(m);
      }
      return sb.toString();
    }
  }

  /** Loads {@code source} with no renaming; see {@link #load(Path, Map, Mode, NameMapping)}. */
  public static LoadReport load(Path source, Map<String, Tensor> parameters, Mode mode)
      throws IOException {
    return load(source, parameters, mode, NameMapping.IDENTITY);
  }

  /**
   * Loads a checkpoint ({@code .safetensors} file, shard index or model directory, see
   * {@link SafetensorsCheckpoint#open}) into {@code parameters}.
   *
   * @throws IncompatibleWeightsException in strict mode when names or shapes do not match
   */
  public static LoadReport load(Path source, Map<String, Tensor> parameters, Mode mode,
      NameMapping mapping) throws IOException {
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(source)) {
      Map<String, String> plan = new LinkedHashMap<>(); // parameter -> file tensor
      List<String> unexpected = new ArrayList<>();
      List<ShapeMismatch> mismatched = new ArrayList<>();
      for (String fileName : checkpoint.names()) {
        String parameter = mapping.parameterName(fileName, parameters.keySet());
        Tensor target = parameters.get(parameter);
        if (target == null) {
          unexpected.add(fileName);
          continue;
        }
        String earlier = plan.putIfAbsent(parameter, fileName);
        if (earlier != null) {
          throw new IllegalArgumentException(checkpoint.source() + ": tensors '" + earlier
              + "' and '" + fileName + "' both map to parameter '" + parameter + "'");
        }
        long[] fileShape = checkpoint.entry(fileName).shape();
        long[] parameterShape = Shapes.of(target);
        if (!Arrays.equals(fileShape, parameterShape)) {
          mismatched.add(new ShapeMismatch(parameter, fileName, checkpoint.fileOf(fileName),
              fileShape, parameterShape));
        }
      }
      List<String> missing = parameters.keySet().stream().filter(p -> !plan.containsKey(p))
          .collect(Collectors.toList());
      mismatched.forEach(m -> plan.remove(m.parameter()));
      LoadReport report =
          new LoadReport(List.copyOf(plan.keySet()), missing, unexpected, mismatched);
      if (mode == Mode.STRICT && !report.isComplete()) {
        throw new IncompatibleWeightsException(checkpoint.source(), report);
      }
      copy(checkpoint, plan, parameters);
      return report;
    }
  }

  private static void copy(SafetensorsCheckpoint checkpoint, Map<String, String> plan,
      Map<String, Tensor> parameters) throws IOException {
    try (NoGradGuard noGrad = new NoGradGuard()) {
      for (Map.Entry<String, String> step : plan.entrySet()) {
        try (Tensor value = checkpoint.read(step.getValue())) {
          parameters.get(step.getKey()).copy_(value); // in-place result: not ours to close
        }
      }
    }
  }
}
