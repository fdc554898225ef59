package io.dpft.core.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.core.io.SafetensorsWriter;
import io.dpft.core.models.BertConfig;
import io.dpft.core.models.BertModel;
import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Module;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.WeightLayout;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.RunManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A LoRA run's adapter in PEFT's layout, so that {@code PeftModel.from_pretrained(base, dir)}
 * loads it over the Hugging Face base model: {@code adapter_model.safetensors} holds the run's
 * trained tensors — the LoRA matrices, the head ({@code modules_to_save}) and, for
 * {@code bitfit+lora}, every bias ({@code bias: "all"}) — named as PEFT saves them,
 * {@code base_model.model.} + the name in the Hugging Face task model (a BERT classifier's encoder
 * under {@code bert.}/{@code roberta.}); {@code adapter_config.json} lists the adapted modules
 * by their full names.
 */
final class LoraAdapterExport {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PEFT_PREFIX = "base_model.model.";

  private LoraAdapterExport() {}

  /**
   * Writes the adapter of {@code model} (the run's trained parameters loaded) into {@code out}.
   *
   * @throws IllegalArgumentException for a mean-pooled text classifier, which has no Hugging Face
   *     task model for PEFT to wrap
   */
  static void write(Path out, Module model, TaskKind task, RunManifest manifest)
      throws IOException {
    FineTuningMethod.Lora lora = (FineTuningMethod.Lora) manifest.fineTuningMethod();
    String head;
    String modelPrefix = "";
    String taskType;
    if (model instanceof BertModel bert) {
      if (bert.options().pooling() != BertModel.Pooling.CLS) {
        throw new IllegalArgumentException("--adapter-only needs a CLS-pooled classifier (PEFT"
            + " wraps a *ForSequenceClassification, which pools the CLS token); export the"
            + " merged model instead");
      }
      head = BertModel.HEAD;
      modelPrefix = bert.config().modelType() == BertConfig.ModelType.ROBERTA ? "roberta." : "bert.";
      taskType = "SEQ_CLS";
    } else if (task == TaskKind.CAUSAL_LM) {
      head = CausalLmJob.HEAD;
      taskType = "CAUSAL_LM";
    } else {
      head = "classifier";
      taskType = null; // PEFT has no image-classification task type
    }
    lora.apply(model, head);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    boolean headTrains = false;
    for (Map.Entry<String, Parameter> p : model.parameters().entrySet()) {
      String name = p.getKey();
      if (p.getValue().isTrainable()) {
        boolean isHead = name.startsWith(head);
        headTrains |= isHead;
        tensors.put(PEFT_PREFIX + (isHead ? "" : modelPrefix) + name, p.getValue().tensor());
      }
    }
    SafetensorsWriter.writeTensors(
        out.resolve("adapter_model.safetensors"), tensors, Map.of("format", "pt"));

    ObjectNode config = JSON.createObjectNode();
    config.put("peft_type", "LORA");
    if (taskType == null) {
      config.putNull("task_type");
    } else {
      config.put("task_type", taskType);
    }
    config.put("base_model_name_or_path", manifest.modelDir());
    config.put("r", lora.config().rank());
    config.put("lora_alpha", lora.config().alpha());
    config.put("lora_dropout", lora.config().dropout());
    config.put("bias", lora.biases() ? "all" : "none");
    ArrayNode targets = config.putArray("target_modules");
    boolean fanInFanOut = false;
    for (Map.Entry<String, Linear> t : lora.config().targetsIn(model).entrySet()) {
      targets.add(modelPrefix + t.getKey());
      fanInFanOut |= t.getValue().layout() == WeightLayout.IN_OUT;
    }
    config.put("fan_in_fan_out", fanInFanOut);
    if (headTrains) {
      config.putArray("modules_to_save").add(head);
    } else {
      config.putNull("modules_to_save");
    }
    config.put("inference_mode", true);
    config.put("init_lora_weights", true);
    config.put("use_rslora", false);
    Files.write(out.resolve("adapter_config.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
  }
}
