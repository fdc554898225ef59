package io.dpft.cli.report;

import static io.dpft.cli.report.Decimals.significant;

import io.dpft.cli.report.RunMetrics.TrainPoint;
import io.dpft.core.train.RunManifest.PrivacySettings;
import io.dpft.privacy.accounting.AccountantKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The privacy guarantee of a run in words, from its {@link PrivacySettings}: DP-SGD with Poisson
 * sampling at rate q for T steps, Gaussian noise of standard deviation σC on the sum of per-sample
 * gradients clipped to norm C, is (ε, δ)-DP with the ε that the accountant computes for (σ, q, T)
 * at δ (Abadi et al., "Deep Learning with Differential Privacy", CCS 2016). Numbers are rounded to
 * {@value #DIGITS} significant digits; config.json keeps them exact.
 *
 * <p>The guarantee assumes noise and sampling that nobody can predict: for a seeded run the
 * statement says that it does not hold against anyone who knows the seed. A GDP ε is flagged as the
 * central-limit approximation it is (Dong, Roth and Su, JRSS-B 2022), and shuffled batches as not
 * what the accountants analyse.
 */
final class PrivacyStatement {
  /** The seed in config.json's {@code noise} or {@code sampling} ("poisson, seeded(42)"). */
  /** Significant digits of every number in the statement. */
  static final int DIGITS = 4;

  private static final Pattern SEEDED = Pattern.compile("seeded\\((-?\\d+)\\)");

  private PrivacyStatement() {}

  /**
   * The statement's sentences.
   *
   * @param privacy the run's privacy settings
   * @param last the last logged training step (for the ε actually spent), if any
   */
  static List<String> of(PrivacySettings privacy, Optional<TrainPoint> last) {
    List<String> sentences = new ArrayList<>();
    if (!privacy.dp()) {
      sentences.add(
          "This run is not differentially private: it was trained without per-sample clipping or"
              + " noise, so there is no privacy guarantee for its training data.");
      return sentences;
    }
    String mechanism =
        "(ε, δ)-differentially private with ε = "
            + epsilon(privacy, last)
            + ", δ = "
            + significant(privacy.delta(), DIGITS)
            + " under the "
            + accountant(privacy.accountant())
            + " accountant: Poisson sampling at q = "
            + significant(privacy.sampleRate(), DIGITS)
            + ", T = "
            + privacy.steps()
            + " steps, noise multiplier σ = "
            + significant(privacy.noiseMultiplier(), DIGITS)
            + ", per-sample clipping at C = "
            + significant(privacy.maxGradNorm(), DIGITS)
            + " ("
            + clipping(privacy.clipping())
            + ")";
    Optional<String> seed = seed(privacy);
    if (seed.isEmpty()) {
      sentences.add(
          "This run is "
              + mechanism
              + "; batches and noise drawn from a cryptographically secure generator.");
    } else {
      sentences.add(
          "This run used the mechanism that is "
              + mechanism
              + ", but its batches and noise were drawn from a generator seeded with "
              + seed.get()
              + " (--seed), so the guarantee does not hold against anyone who knows the seed:"
              + " they can regenerate the noise and the batches. Treat the run as a reproducible"
              + " experiment, not as a private release.");
    }
    if (privacy.sampling().toLowerCase(Locale.ROOT).contains("shuffle")) {
      sentences.add(
          "Batches were drawn by shuffling, not by Poisson sampling as the accounting assumes:"
              + " the stated ε does not strictly apply.");
    }
    if ("gdp".equalsIgnoreCase(privacy.accountant())) {
      sentences.add(
          "GDP's ε is a central-limit approximation that can understate ε when the steps are few"
              + " or σ is small.");
    }
    last.ifPresent(
        step ->
            sentences.add(
                "By the last logged step ("
                    + step.step()
                    + " of "
                    + privacy.steps()
                    + ") the accountant reports ε = "
                    + significant(step.epsilon(), DIGITS)
                    + " spent."));
    return sentences;
  }

  /**
   * The seed of a seeded run: config.json records {@code noise} as "secure" or "seeded(N)" and
   * {@code sampling} as the sampler and its generator ("poisson, secure", "poisson, seeded(N)").
   */
  private static Optional<String> seed(PrivacySettings privacy) {
    for (String field : List.of(privacy.noise(), privacy.sampling())) {
      Matcher seeded = SEEDED.matcher(field);
      if (seeded.find()) {
        return Optional.of(seeded.group(1));
      }
    }
    return Optional.empty();
  }

  /** The target ε of the run; without one (σ given directly), the ε spent by the last step. */
  private static String epsilon(PrivacySettings privacy, Optional<TrainPoint> last) {
    if (privacy.targetEpsilon() > 0 && Double.isFinite(privacy.targetEpsilon())) {
      return significant(privacy.targetEpsilon(), DIGITS);
    }
    return last.map(step -> significant(step.epsilon(), DIGITS)).orElse("(not recorded)");
  }

  private static String accountant(String name) {
    AccountantKind kind;
    try {
      kind = AccountantKind.parse(name);
    } catch (IllegalArgumentException unknown) {
      return name;
    }
    switch (kind) {
      case RDP:
        return "RDP (Rényi DP)";
      case PRV:
        return "PRV (privacy random variables)";
      case GDP:
        return "GDP (Gaussian DP)";
      default:
        throw new AssertionError(kind);
    }
  }

  /** {@code abadi} → Abadi, {@code automatic...} → automatic; anything else as written. */
  private static String clipping(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.startsWith("abadi")) {
      return "Abadi" + name.substring("abadi".length());
    }
    return name;
  }
}
