package io.dpft.core.bench;

import io.dpft.core.nn.Precision;
import io.dpft.privacy.PrivacyChecks;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A benchmark run: every method × DP setting on one synthetic batch of {@code batchSize}
 * sequences of {@code seqLength} random tokens (full attention mask, random labels of a fresh
 * 2-label head with mean pooling), {@code warmup} untimed steps then {@code steps} timed ones.
 *
 * @param model a bundled model name ({@code all-minilm-l6-v2}, {@code bge-small-en-v1.5}) or a
 *     Hugging Face model directory
 * @param dp the DP settings to run, in order ({@code true}: DP-SGD)
 * @param noiseMultiplier σ of the DP runs (its value does not change the work, only σ = 0 skips
 *     drawing noise)
 * @param maxGradNorm C of the DP runs (all-layer Abadi clipping)
 * @param seed of the synthetic tokens and labels
 * @param optimizer what each step ends with
 * @param dropout the model's hidden and attention dropout in the timed steps (the pretrained
 *     config's own value is replaced; 0: deterministic steps, as in the peers' benchmark)
 * @param precision asked for; each configuration runs what {@link Precision#onThisCpu} allows
 */
public record BenchConfig(
    String model,
    List<BenchMethod> methods,
    List<Boolean> dp,
    int batchSize,
    int seqLength,
    int steps,
    int warmup,
    double noiseMultiplier,
    double maxGradNorm,
    long seed,
    BenchOptimizer optimizer,
    double dropout,
    Precision precision) {

  /** One configuration: a method with or without DP. */
  public record Case(BenchMethod method, boolean dp) {
    public Case {
      if (method == null) {
        throw new IllegalArgumentException("method must be given");
      }
      if (!dp && !method.runsWithoutDp()) {
        throw new IllegalArgumentException(
            "method " + method.cliName() + " runs only with DP (--dp on)");
      }
    }
  }

  public BenchConfig {
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("model must be a model name or directory, got '"
          + model + "'");
    }
    methods = List.copyOf(PrivacyChecks.nonEmpty("methods", methods));
    dp = List.copyOf(PrivacyChecks.nonEmpty("dp", dp));
    PrivacyChecks.atLeastOne("batchSize", batchSize);
    PrivacyChecks.atLeastOne("seqLength", seqLength);
    PrivacyChecks.atLeastOne("steps", steps);
    if (warmup < 0) {
      throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
    }
    PrivacyChecks.noiseMultiplier(noiseMultiplier);
    PrivacyChecks.positive("maxGradNorm", maxGradNorm);
    if (optimizer == null) {
      throw new IllegalArgumentException("optimizer must be given");
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
    }
    Objects.requireNonNull(precision, "precision");
    if (casesOf(methods, dp).isEmpty()) {
      throw new IllegalArgumentException(
          "nothing to run: methods " + methods + " with dp " + dp
              + " (per-example runs only with DP: add --dp on)");
    }
  }

  /**
   * The configurations in run order, method by method, each in the order of {@link #dp()};
   * per-example without DP is left out.
   */
  public List<Case> cases() {
    return casesOf(methods, dp);
  }

  private static List<Case> casesOf(List<BenchMethod> methods, List<Boolean> dp) {
    List<Case> out = new ArrayList<>();
    for (BenchMethod m : methods) {
      for (boolean on : dp) {
        if (on || m.runsWithoutDp()) {
          out.add(new Case(m, on));
        }
      }
    }
    return out;
  }
}
