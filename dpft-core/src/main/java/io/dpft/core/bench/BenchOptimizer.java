package io.dpft.core.bench;

import io.dpft.core.optim.OptimizerConfig;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The optimizer a benchmark step ends with, by its command-line name. Plain SGD keeps no state,
 * as in the peers' benchmark ({@code ../shared/peers}); Adam and AdamW keep two float32 tensors
 * per trainable parameter, which DP full fine-tuning's peak memory carries.
 */
public enum BenchOptimizer {
  /** SGD without momentum or weight decay: no optimizer state. */
  SGD("sgd", new OptimizerConfig.Sgd(0, 0)),
  /** {@link OptimizerConfig.Adam#defaults()}. */
  ADAM("adam", OptimizerConfig.Adam.defaults()),
  /** {@link OptimizerConfig.AdamW#defaults()}. */
  ADAMW("adamw", OptimizerConfig.AdamW.defaults());

  private final String cliName;
  private final OptimizerConfig config;

  BenchOptimizer(String cliName, OptimizerConfig config) {
    this.cliName = cliName;
    this.config = config;
  }

  /** The command-line name: {@code sgd}, {@code adam}, {@code adamw}. */
  public String cliName() {
    return cliName;
  }

  public OptimizerConfig config() {
    return config;
  }

  /** Parses a command-line name (case-insensitive). */
  public static BenchOptimizer parse(String name) {
    String wanted = name.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(o -> o.cliName.equals(wanted))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("optimizer must be one of "
            + Arrays.stream(values()).map(BenchOptimizer::cliName)
                .collect(Collectors.joining(", "))
            + ", got '" + name + "'"));
  }
}
