package io.dpft.core.dp.norms;

import static io.dpft.core.nn.PerExampleReference.maxRelativeDiff;
import static io.dpft.core.nn.PerExampleReference.relative;
import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.dp.Clipping;
import io.dpft.core.nn.DpLayer;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.PerExampleReference;
import io.dpft.core.nn.Tape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The contract every {@link PerSampleNormRule} keeps, old and new: for one recorded call of its
 * layer, under the loss Σ_i ℓ_i with ℓ_i = Σ sin(z_i)∘r_i, the per-sample squared norms and the
 * clipped sums (Abadi, at a threshold that clips about half the examples) of its
 * {@link PerSampleGradient}s equal {@link PerExampleReference}'s to 1e-5 relative, and a rule
 * that says it reads g once ({@link PerSampleNormRule.Source#OUTPUT_GRADIENT_ONCE}) or the
 * anchor alone returns only instantiated gradients. The rule gets what the engine would give it:
 * g, and the anchor's gradient when the call has an anchor (g not at all from an anchor-only
 * rule). A rule's test extends this class and lists its cases.
 */
abstract class NormRuleContract {
  /**
   * One call to check: {@code forward} applies {@code layer} to a batch ({@code input}) or to one
   * example of it; the layer's trainable parameters are the ones checked.
   */
  record Case<L extends DpLayer>(
      L layer, PerSampleNormRule<L> rule, Tensor input, UnaryOperator<Tensor> forward) {
    Case {
      Objects.requireNonNull(layer, "layer");
      Objects.requireNonNull(rule, "rule");
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(forward, "forward");
    }
  }

  /** The cases by name; each is built inside the scope its check runs in. */
  abstract Map<String, Supplier<Case<?>>> cases();

  @TestFactory
  Stream<DynamicTest> normsAndClippedSums_matchPerExampleReference() {
    return cases().entrySet().stream()
        .map(c -> DynamicTest.dynamicTest(c.getKey(), () -> check(c.getValue())));
  }

  private static void check(Supplier<Case<?>> supplier) {
    try (PointerScope scope = new PointerScope()) {
      torch.manual_seed(13);
      Case<?> c = supplier.get();
      try (DpLayer layer = c.layer()) {
        check(c);
      }
    }
  }

  private static <L extends DpLayer> void check(Case<L> c) {
    L layer = c.layer();
    List<Parameter> trainable = new ArrayList<>();
    trainable.add(layer.weight());
    layer.bias().ifPresent(trainable::add);
    trainable.removeIf(p -> !p.isTrainable());
    int batch = (int) c.input().size(0);

    Tape.Entry entry;
    Tensor z;
    try (Tape tape = Tape.start()) {
      z = c.forward().apply(c.input());
      assertThat(tape.entries()).hasSize(1);
      entry = tape.entries().get(0);
    }
    Tensor r = torch.randn(z.shape());
    Tensor[] grads = entry.anchor() == null
        ? PerExampleReference.grad(z.sin().mul(r).sum(), z)
        : PerExampleReference.grad(z.sin().mul(r).sum(), z, entry.anchor());
    Tensor anchorGrad = grads.length > 1 ? grads[1] : null;
    PerSampleNormRule.Source source = c.rule().source(layer, entry);
    List<PerSampleGradient> gradients =
        c.rule().gradients(layer, entry,
            source == PerSampleNormRule.Source.ANCHOR_GRADIENT ? null : grads[0], anchorGrad);

    PerExampleReference reference = PerExampleReference.of(batch,
        i -> c.forward().apply(c.input().narrow(0, i, 1)).sin().mul(r.narrow(0, i, 1)).sum(),
        trainable.stream().map(Parameter::tensor).toArray(Tensor[]::new));
    double[] norms = new double[batch];
    Arrays.setAll(norms, reference::norm);
    double threshold = Arrays.stream(norms).sorted().toArray()[batch / 2];
    Tensor factors = reference.clipFactors(new Clipping.Abadi(), threshold);

    assertThat(gradients.stream().map(PerSampleGradient::parameter))
        .containsExactlyInAnyOrderElementsOf(trainable);
    try (Grams grams = new Grams()) {
      for (PerSampleGradient g : gradients) {
        int p = trainable.indexOf(g.parameter());
        if (source != PerSampleNormRule.Source.OUTPUT_GRADIENT) {
          assertThat(g).isInstanceOf(PerSampleGradient.Instantiated.class);
        }
        Tensor squared = g.squaredNorms(grams);
        for (int i = 0; i < batch; i++) {
          double expected = reference.squaredNorm(i, p);
          assertThat(squared.get(i).item_double()).as("‖g_%d‖² of parameter %d", i, p)
              .isCloseTo(expected, relative(expected));
        }
        Tensor expectedSum = reference.clippedSum(p, factors);
        assertThat(maxRelativeDiff(g.clippedSum(factors), expectedSum)).isLessThan(1e-5);
        Tensor accumulator = torch.zeros_like(expectedSum);
        g.addClippedSumTo(accumulator, factors);
        assertThat(maxRelativeDiff(accumulator, expectedSum)).isLessThan(1e-5);
      }
    }
  }
}
