package io.dpft.core.peft;

import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Module;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * LoRA's settings (Hu et al., ICLR 2022): the {@link Linear} layers that get a low-rank update
 * {@code W + (α/r)·BA} — those whose module path {@code targets} finds (a regular expression over
 * Hugging Face module names) — its rank {@code r}, {@code alpha} and the dropout on B·A's input.
 * The default targets are the attention's query and value projections of BERT/RoBERTa and ViT
 * (Hu et al.'s choice) and GPT-2's fused {@code attn.c_attn} (query, key and value in one matrix,
 * PEFT's default for GPT-2).
 */
public record LoraConfig(int rank, double alpha, double dropout, String targets) {
  /** BERT/RoBERTa's and ViT's query and value projections, GPT-2's fused q/k/v projection. */
  public static final String DEFAULT_TARGETS =
      "(attention\\.self|attention\\.attention)\\.(query|value)$|attn\\.c_attn$";
  /** Rank 8, α = 16, no dropout: PEFT's and Hu et al.'s usual choice for BERT-sized models. */
  public static final LoraConfig DEFAULT = new LoraConfig(8, 16, 0, DEFAULT_TARGETS);

  public LoraConfig {
    if (rank < 1) {
      throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("LoRA alpha must be positive and finite, got " + alpha);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
    }
    if (targets == null || targets.isBlank()) {
      throw new IllegalArgumentException("LoRA targets must be a regular expression, got none");
    }
    try {
      Pattern.compile(targets);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(
          "LoRA targets (--lora-targets) is not a regular expression: " + e.getDescription()
              + " in '" + targets + "'");
    }
  }

  /**
   * The Linear layers of {@code model} that the targets find, by module path (LoRA's own
   * layers excepted).
   *
   * @throws IllegalArgumentException if none matches (the message lists some Linear names)
   */
  public Map<String, Linear> targetsIn(Module model) {
    Pattern pattern = Pattern.compile(targets);
    Map<String, Linear> out = new LinkedHashMap<>();
    List<String> linears = new ArrayList<>();
    model.namedModules().forEach((path, m) -> {
      if (m instanceof Linear linear && !path.matches("(.*\\.)?lora_[AB]")) {
        linears.add(path);
        if (pattern.matcher(path).find()) {
          out.put(path, linear);
        }
      }
    });
    if (out.isEmpty()) {
      throw new IllegalArgumentException("--lora-targets '" + targets + "' matches no linear"
          + " layer of the model; its linear layers include "
          + linears.stream().limit(6).collect(Collectors.joining(", ")));
    }
    return out;
  }

  /** What {@code config.json} records in {@code method_settings}. */
  public Map<String, String> settings() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("lora_rank", Integer.toString(rank));
    out.put("lora_alpha", Double.toString(alpha));
    out.put("lora_dropout", Double.toString(dropout));
    out.put("lora_targets", targets);
    return out;
  }

  /** The settings {@link #settings()} recorded; a missing one takes its default. */
  static LoraConfig of(Map<String, String> settings) {
    return new LoraConfig(
        Integer.parseInt(settings.getOrDefault("lora_rank", Integer.toString(DEFAULT.rank))),
        Double.parseDouble(settings.getOrDefault("lora_alpha", Double.toString(DEFAULT.alpha))),
        Double.parseDouble(
            settings.getOrDefault("lora_dropout", Double.toString(DEFAULT.dropout))),
        settings.getOrDefault("lora_targets", DEFAULT.targets));
  }
}
