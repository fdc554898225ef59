package io.dpft.spark;

import io.dpft.core.models.BertModel;
import java.io.Serializable;
import java.util.List;

/**
 * What an executor needs to build its copy of the model: a converted Hugging Face directory that
 * every executor can read (config.json, safetensors, tokenizer.json), the classifier's shape, the
 * tokenizer's length limit, the physical batch size, the clipping norm C (all-layer Abadi
 * clipping) and the names of the trainable parameters. Equal specs share one cached model per
 * task slot ({@link ExecutorModel}).
 */
public record ModelSpec(
    String modelDirectory,
    int numLabels,
    BertModel.Pooling pooling,
    int maxLength,
    int physicalBatchSize,
    double maxGradNorm,
    List<String> trainable)
    implements Serializable {
  public ModelSpec {
    if (modelDirectory == null || pooling == null || trainable == null || trainable.isEmpty()) {
      throw new IllegalArgumentException("model directory, pooling and trainable names are needed");
    }
    if (numLabels < 2 || maxLength < 2 || physicalBatchSize < 1 || !(maxGradNorm > 0)) {
      throw new IllegalArgumentException(String.format(
          "need numLabels >= 2, maxLength >= 2, physicalBatchSize >= 1, maxGradNorm > 0; got"
              + " %d, %d, %d, %s", numLabels, maxLength, physicalBatchSize, maxGradNorm));
    }
    trainable = List.copyOf(trainable);
  }
}
