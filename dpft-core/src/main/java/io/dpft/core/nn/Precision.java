package io.dpft.core.nn;

import io.dpft.core.CliNamed;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The element type of a model's {@link Linear} products: the {@code --precision} of
 * {@code dpft train} and {@code dpft bench}, and the {@code precision} of a run's
 * {@code config.json}.
 *
 * <p>With {@link #BF16}, every {@link Linear} multiplies in bfloat16 with float32 accumulation,
 * forward and input gradient, frozen weights from a kept bfloat16 copy and trainable ones from
 * their float32 value (attention stays float32: libtorch's bfloat16 kernel was slower); inputs and
 * results stay float32 ({@link Module#setPrecision}). Per-sample gradients and their norms,
 * clipping, noise, the optimizer and every parameter stay float32: a DP step forms them from each
 * layer's float32 input and output gradient, not from the bfloat16 products. A weight gradient
 * that autograd forms comes through the bfloat16 product (mixed-precision training): a
 * non-private step's, and the per-example baseline's of {@code dpft bench}, whose norm and
 * clipped sum are then formed from the same rounded gradient. bfloat16 arithmetic works on any
 * CPU, but is fast only on those with {@code avx512_bf16} or {@code amx_bf16};
 * {@link #onThisCpu} falls back to {@link #FP32} on the others.
 */
public enum Precision implements CliNamed {
  /** Everything in float32. */
  FP32,
  /** {@link Linear} products in bfloat16, accumulated in float32. */
  BF16;

  /** The {@code /proc/cpuinfo} flags of CPUs with bfloat16 dot products or tile multiplies. */
  private static final List<String> BF16_FLAGS = List.of("avx512_bf16", "amx_bf16");

  private static final System.Logger LOG = System.getLogger(Precision.class.getName());

  /** Whether the fallback has been logged in this JVM. */
  private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();

  /** The name on the command line and in {@code config.json}: "fp32" or "bf16". */
  @Override
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The precision whose {@link #cliName} is {@code name} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the precisions there are
   */
  public static Precision parse(String name) {
    return CliNamed.parse(Precision.class, "precision", name);
  }

  /**
   * What runs when {@code requested} is asked for on a CPU with {@code cpuFlags} (the
   * space-separated {@code flags} of {@code /proc/cpuinfo}): {@link #BF16} only where the flags
   * name {@code avx512_bf16} or {@code amx_bf16}, else {@link #FP32}.
   */
  public static Precision resolve(Precision requested, String cpuFlags) {
    if (requested == FP32) {
      return FP32;
    }
    List<String> flags = Arrays.asList(cpuFlags.trim().split("\\s+"));
    return BF16_FLAGS.stream().anyMatch(flags::contains) ? BF16 : FP32;
  }

  /**
   * {@link #resolve} on this machine's CPU ({@code /proc/cpuinfo}; none counts as no bfloat16
   * support). A fallback to {@link #FP32} is logged, once per JVM, at {@code INFO}.
   */
  public static Precision onThisCpu(Precision requested) {
    return onCpu(requested, cpuFlags(Path.of("/proc/cpuinfo")));
  }

  /** {@link #resolve}, logging the first fallback of this JVM. */
  static Precision onCpu(Precision requested, String cpuFlags) {
    Precision used = resolve(requested, cpuFlags);
    if (used != requested && FALLBACK_LOGGED.compareAndSet(false, true)) {
      LOG.log(System.Logger.Level.INFO, "precision " + requested.cliName() + " needs a CPU with "
          + String.join(" or ", BF16_FLAGS) + ", which this one lacks: computing in "
          + used.cliName());
    }
    return used;
  }

  /**
   * The first {@code flags} line of a {@code /proc/cpuinfo} file, after its colon; "" when there
   * is none or the file cannot be read.
   */
  static String cpuFlags(Path cpuinfo) {
    try (Stream<String> lines = Files.lines(cpuinfo)) {
      return lines
          .filter(line -> line.startsWith("flags"))
          .map(line -> line.substring(line.indexOf(':') + 1))
          .findFirst()
          .orElse("");
    } catch (IOException | UncheckedIOException e) {
      return ""; // no /proc (another OS) or an unreadable one: no bfloat16 support known
    }
  }

  @Override
  public String toString() {
    return cliName();
  }
}
