package io.dpft.core.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrecisionTest {
  /** An AVX2-only EPYC's flags (abridged): no bfloat16 instructions. */
  private static final String AVX2_ONLY = "fpu vme sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2";
  /** A Cooper Lake / Zen 4 kind: AVX-512 with bfloat16 dot products. */
  private static final String AVX512_BF16 = "fpu sse2 avx avx2 avx512f avx512bw avx512_bf16";
  /** A Sapphire Rapids kind: AMX tiles with bfloat16. */
  private static final String AMX_BF16 = "fpu sse2 avx2 avx512f amx_bf16 amx_tile amx_int8";

  @Test
  void resolve_bf16OnCpuWithoutBf16Instructions_fallsBackToFp32() {
    assertThat(Precision.resolve(Precision.BF16, AVX2_ONLY)).isEqualTo(Precision.FP32);
    // AVX-512 alone (Skylake) is not enough, nor a flag that only contains the name
    assertThat(Precision.resolve(Precision.BF16, "avx512f avx512bw avx512vl not_avx512_bf16"))
        .isEqualTo(Precision.FP32);
    assertThat(Precision.resolve(Precision.BF16, "")).isEqualTo(Precision.FP32);
  }

  @Test
  void resolve_bf16OnCpuWithAvx512Bf16OrAmxBf16_keepsBf16() {
    assertThat(Precision.resolve(Precision.BF16, AVX512_BF16)).isEqualTo(Precision.BF16);
    assertThat(Precision.resolve(Precision.BF16, AMX_BF16)).isEqualTo(Precision.BF16);
    assertThat(Precision.resolve(Precision.BF16, " amx_bf16\n")).isEqualTo(Precision.BF16);
  }

  @Test
  void resolve_fp32_isFp32Everywhere() {
    assertThat(Precision.resolve(Precision.FP32, AMX_BF16)).isEqualTo(Precision.FP32);
    assertThat(Precision.resolve(Precision.FP32, AVX2_ONLY)).isEqualTo(Precision.FP32);
    assertThat(Precision.onThisCpu(Precision.FP32)).isEqualTo(Precision.FP32);
  }

  /** The fallback is said once per JVM (no other test here asks for bf16 on a CPU without it). */
  @Test
  void onCpu_fallback_isLoggedOnce() {
    Logger logger = Logger.getLogger(Precision.class.getName());
    List<String> messages = new ArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        messages.add(record.getLevel() + " " + record.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    logger.addHandler(handler);
    try {
      for (int i = 0; i < 3; i++) {
        assertThat(Precision.onCpu(Precision.BF16, AVX2_ONLY)).isEqualTo(Precision.FP32);
      }
      assertThat(Precision.onCpu(Precision.BF16, AMX_BF16)).isEqualTo(Precision.BF16);
    } finally {
      logger.removeHandler(handler);
    }
    assertThat(messages).singleElement().asString()
        .startsWith("INFO precision bf16 needs a CPU with avx512_bf16 or amx_bf16")
        .endsWith("computing in fp32");
  }

  @Test
  void cpuFlags_readsTheFirstFlagsLine_notVmxFlags(@TempDir Path dir) throws IOException {
    Path cpuinfo = dir.resolve("cpuinfo");
    Files.writeString(cpuinfo, "processor\t: 0\nvendor_id\t: GenuineIntel\n"
        + "flags\t\t: fpu avx2 amx_bf16\nvmx flags\t: ept\n\nprocessor\t: 1\n"
        + "flags\t\t: fpu\n");
    String flags = Precision.cpuFlags(cpuinfo);
    assertThat(flags.trim()).isEqualTo("fpu avx2 amx_bf16");
    assertThat(Precision.resolve(Precision.BF16, flags)).isEqualTo(Precision.BF16);
  }

  @Test
  void cpuFlags_withoutCpuinfo_isEmpty_soBf16FallsBack(@TempDir Path dir) {
    String flags = Precision.cpuFlags(dir.resolve("no-such-cpuinfo"));
    assertThat(flags).isEmpty();
    assertThat(Precision.resolve(Precision.BF16, flags)).isEqualTo(Precision.FP32);
  }

  @Test
  void parse_cliNamesCaseInsensitive_elseNamesTheChoices() {
    assertThat(Precision.parse("bf16")).isEqualTo(Precision.BF16);
    assertThat(Precision.parse(" FP32 ")).isEqualTo(Precision.FP32);
    assertThat(Precision.BF16.cliName()).isEqualTo("bf16");
    assertThatThrownBy(() -> Precision.parse("fp16"))
        .hasMessage("precision must be one of fp32, bf16, got 'fp16'");
  }
}
