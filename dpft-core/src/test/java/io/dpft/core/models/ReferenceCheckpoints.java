package io.dpft.core.models;

import io.dpft.core.io.SafetensorsReader;
import io.dpft.core.io.WeightLoader;
import io.dpft.core.nn.Module;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;

/**
 * The tiny GPT-2 and ViT checkpoints with inputs and expected outputs computed by an independent
 * PyTorch implementation, {@code tools/reference/make_reference.py} (see its README for what each
 * tensor means and how the reference validates itself).
 */
public final class ReferenceCheckpoints {
  public static final String GPT2 = "gpt2-tiny";
  public static final String VIT = "vit-tiny";

  private ReferenceCheckpoints() {}

  /** The Hugging Face model folder {@code reference/<name>} on the test classpath. */
  public static Path directory(String name) {
    URL url = ReferenceCheckpoints.class.getResource("/reference/" + name);
    if (url == null) {
      throw new IllegalStateException("test resource /reference/" + name + " is missing; run "
          + "tools/reference/make_reference.py");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Tensor {@code name} of the folder's {@code reference.safetensors}, in the current scope. */
  static Tensor expected(String model, String name) throws IOException {
    try (SafetensorsReader reader =
        SafetensorsReader.open(directory(model).resolve("reference.safetensors"))) {
      return reader.read(name);
    }
  }

  /** Loads the folder's {@code model.safetensors} into {@code model} (strict) and sets eval mode. */
  static <M extends Module> M loaded(String name, M model) throws IOException {
    WeightLoader.load(directory(name), model.namedParameters(), WeightLoader.Mode.STRICT);
    model.eval();
    return model;
  }

  /** The tiny GPT-2 through {@link PretrainedGpt2}, in eval mode. */
  static Gpt2Model gpt2() throws IOException {
    Gpt2Model model = PretrainedGpt2.load(directory(GPT2));
    model.eval();
    return model;
  }

  /** The full checkpoint through {@link PretrainedVit}, in eval mode; nothing may stay fresh. */
  static VitModel vit() throws IOException {
    PretrainedVit.Loaded loaded = PretrainedVit.load(directory(VIT), 5);
    if (!loaded.freshlyInitialised().isEmpty()) {
      loaded.model().close();
      throw new IllegalStateException("reference ViT left fresh: " + loaded.freshlyInitialised());
    }
    loaded.model().eval();
    return loaded.model();
  }
}
