package io.dpft.cli;

import io.dpft.core.bench.BenchConfig;
import io.dpft.core.bench.BenchMethod;
import io.dpft.core.bench.BenchOptimizer;
import io.dpft.core.bench.BenchResult;
import io.dpft.core.bench.Benchmark;
import io.dpft.core.bench.DpOverhead;
import io.dpft.core.bench.NativeAllocator;
import io.dpft.core.nn.Precision;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code dpft bench}: throughput (samples/s, median step) and peak resident memory of training
 * steps on a synthetic batch, every method × DP setting one after another in this process.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measures training-step throughput and peak memory on a synthetic batch (random tokens,"
          + " full attention, random labels, fresh 2-label head) with real pretrained weights.",
      "Set OMP_WAIT_POLICY=PASSIVE (the dpft launcher does) before comparing numbers.",
      "Peak RSS includes memory that glibc's malloc keeps after frees; with"
          + " MALLOC_MMAP_THRESHOLD_=131072 in the environment it follows live tensors closely"
          + " (but steps run slower)."
    })
public final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", paramLabel = "NAME|DIR", defaultValue = "all-minilm-l6-v2",
      description = "all-minilm-l6-v2, bge-small-en-v1.5 or a Hugging Face model directory"
          + " (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--methods", paramLabel = "METHOD", split = ",", defaultValue = "full,bitfit",
      description = "comma-separated: full, bitfit, last-layer, lora (rank 8, query and value),"
          + " bitfit+lora, adapter (width 64), reversible (width 64, λ 0.1), side (reduction 8),"
          + " per-example (DP full by one backward pass per example; DP only)"
          + " (default: ${DEFAULT-VALUE})")
  List<String> methods;

  @Option(names = "--dp", paramLabel = "on|off", split = ",", defaultValue = "on,off",
      description = "DP settings to run, comma-separated (default: ${DEFAULT-VALUE})")
  List<String> dp;

  @Option(names = "--batch-size", paramLabel = "B", defaultValue = "32",
      description = "sequences per step (default: ${DEFAULT-VALUE})")
  int batchSize;

  @Option(names = "--seq-len", paramLabel = "T", defaultValue = "128",
      description = "tokens per sequence (default: ${DEFAULT-VALUE})")
  int seqLength;

  @Option(names = "--steps", paramLabel = "S", defaultValue = "5",
      description = "timed steps per configuration (default: ${DEFAULT-VALUE})")
  int steps;

  @Option(names = "--warmup", paramLabel = "W", defaultValue = "3",
      description = "untimed steps before them (default: ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--noise-multiplier", paramLabel = "SIGMA", defaultValue = "1.0",
      description = "σ of the DP runs; any value > 0 costs the same (default: ${DEFAULT-VALUE})")
  double noiseMultiplier;

  @Option(names = "--max-grad-norm", paramLabel = "C", defaultValue = "1.0",
      description = "clipping threshold C of the DP runs (default: ${DEFAULT-VALUE})")
  double maxGradNorm;

  @Option(names = "--seed", defaultValue = "0",
      description = "seed of the synthetic batch (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--optimizer", paramLabel = "O", defaultValue = "sgd",
      description = "what each step ends with: sgd (plain, no state, as the peers' benchmark),"
          + " adam or adamw (two state tensors per trained parameter) (default: ${DEFAULT-VALUE})")
  String optimizer;

  @Option(names = "--dropout", paramLabel = "P", defaultValue = "0",
      description = "hidden and attention dropout of the timed steps, replacing the model's own"
          + " (0: deterministic, as the peers' benchmark; BERT trains with 0.1)"
          + " (default: ${DEFAULT-VALUE})")
  double dropout;

  @Option(names = "--precision", paramLabel = "P", defaultValue = "fp32",
      description = "fp32, or bf16 (linear products in bfloat16; fp32 on a CPU"
          + " without AVX512_BF16 or AMX-BF16) (default: ${DEFAULT-VALUE})")
  String precision;

  @Option(names = "--json",
      description = "print one JSON object per configuration and line instead of a table")
  boolean json;

  @Override
  public Integer call() throws IOException {
    BenchConfig config = toConfig();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<BenchResult> results =
        Benchmark.run(
            config,
            new Benchmark.Listener() {
              @Override
              public void progress(String line) {
                err.println(line);
                err.flush();
              }

              @Override
              public void result(BenchResult result) {
                if (json) {
                  out.println(result.toJsonLine());
                  out.flush();
                }
              }
            });
    if (!json) {
      printTable(out, config, results);
    }
    out.flush();
    return 0;
  }

  /** The options as a validated config; bad values are usage errors (exit code 2). */
  BenchConfig toConfig() {
    try {
      return new BenchConfig(
          model,
          methods.stream().map(BenchMethod::parse).distinct().collect(Collectors.toList()),
          dp.stream().map(BenchCommand::onOff).distinct().collect(Collectors.toList()),
          batchSize,
          seqLength,
          steps,
          warmup,
          noiseMultiplier,
          maxGradNorm,
          seed,
          BenchOptimizer.parse(optimizer),
          dropout,
          Precision.parse(precision));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  private static boolean onOff(String value) {
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "on":
        return true;
      case "off":
        return false;
      default:
        throw new IllegalArgumentException("--dp takes on and/or off, got '" + value + "'");
    }
  }

  private static void printTable(PrintWriter out, BenchConfig config, List<BenchResult> results) {
    NativeAllocator allocator = NativeAllocator.current();
    String forcedBlasCore = System.getenv("OPENBLAS_CORETYPE");
    out.printf(Locale.ROOT, "%s: batch %d x seq %d, %s, dropout %s, precision %s, median of %d"
        + " steps after %d warm-up, %s%s%n", config.model(), config.batchSize(),
        config.seqLength(), config.optimizer().cliName(), config.dropout(),
        results.isEmpty() ? config.precision() : results.get(0).precision(),
        config.steps(), config.warmup(), allocator.label(),
        forcedBlasCore == null ? "" : ", OpenBLAS kernels forced to " + forcedBlasCore);
    if (allocator == NativeAllocator.SYSTEM) {
      out.println("(install jemalloc, Debian package libjemalloc2, and the dpft launcher preloads"
          + " it: about 15% faster and 20% less peak memory at 256 tokens, docs/performance.md)");
    }
    out.printf("%-12s %-3s %10s %13s %14s%n", "method", "dp", "samples/s", "peak RSS MiB",
        "start RSS MiB");
    for (BenchResult r : results) {
      out.printf(Locale.ROOT, "%-12s %-3s %10.2f %13.0f %14.0f%n", r.method().cliName(),
          r.dp() ? "on" : "off", r.samplesPerSecond(), r.peakRssMb(), r.startRssMb());
    }
    for (DpOverhead o : DpOverhead.of(results)) {
      out.printf(Locale.ROOT, "DP/non-DP %s: %.2fx throughput, %.2fx peak RSS%n",
          o.method().cliName(), o.throughputRatio(), o.peakRssRatio());
    }
  }
}
