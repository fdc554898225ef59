package io.dpft.core.bench;

import io.dpft.core.CliNamed;
import io.dpft.core.optim.OptimizerConfig;

/**
 * The optimizer a benchmark step ends with, by its command-line name. Plain SGD keeps no state,
 * as in the peers' benchmark ({@code ../shared/peers}); Adam and AdamW keep two float32 tensors
 * per trainable parameter, which DP full fine-tuning's peak memory carries.
 */
public enum BenchOptimizer implements CliNamed {
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
  @Override
  public String cliName() {
    return cliName;
  }

  public OptimizerConfig config() {
    return config;
  }

  /** Parses a command-line name (case-insensitive). */
  public static BenchOptimizer parse(String name) {
    return CliNamed.parse(BenchOptimizer.class, "optimizer", name);
  }
}
