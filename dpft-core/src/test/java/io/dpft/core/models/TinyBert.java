package io.dpft.core.models;

import io.dpft.core.models.BertConfig.ModelType;
import io.dpft.core.models.BertModel.Options;
import io.dpft.core.nn.Activation;
import io.dpft.core.nn.ParameterKind;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.global.torch;

/** A 2-layer, 8-wide BERT classifier (vocab 23) for tests, in eval mode, deterministic. */
public final class TinyBert {
  public static final int VOCAB = 23;

  private TinyBert() {}

  /** Non-zero biases (so bias-only training sees real gradients), no dropout. */
  public static BertModel classifier(int labels, BertModel.Pooling pooling) {
    torch.manual_seed(3);
    BertConfig config =
        new BertConfig(
            ModelType.BERT, VOCAB, 8, 2, 2, 16, Activation.GELU, 0.0, 0.0, 16, 2, 1e-12, 0);
    BertModel model = new BertModel(config, Options.sequenceClassification(labels, pooling));
    model.parameters().values().forEach(p -> {
      if (p.kind() == ParameterKind.BIAS || p.kind() == ParameterKind.NORM_BIAS) {
        p.tensor().detach().copy_(torch.randn(p.shape()).mul(new Scalar(0.5)));
      }
    });
    model.eval();
    return model;
  }
}
