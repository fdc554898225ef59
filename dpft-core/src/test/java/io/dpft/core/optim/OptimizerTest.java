package io.dpft.core.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Each optimizer against a plain-Java double-precision implementation of the published update
 * rules (Kingma &amp; Ba 2015 Algorithm 1; Loshchilov &amp; Hutter 2019 Algorithm 2; SGD with
 * momentum as PyTorch defines it), over several steps with changing gradients.
 */
class OptimizerTest {
  private static final int N = 7;
  private static final int STEPS = 5;
  private static final double LR = 0.05;

  @Test
  void sgdMomentum_matchesReference() {
    OptimizerConfig.Sgd config = new OptimizerConfig.Sgd(0.9, 0.01);
    double[][] grads = gradients(1);
    double[] expected = initial();
    double[] buf = new double[N];
    for (int t = 0; t < STEPS; t++) {
      for (int i = 0; i < N; i++) {
        double g = grads[t][i] + 0.01 * expected[i];
        buf[i] = t == 0 ? g : 0.9 * buf[i] + g;
        expected[i] -= LR * buf[i];
      }
    }
    assertThat(run(config, grads)).containsExactly(expected, within(1e-5));
  }

  @Test
  void adam_matchesReference() {
    assertThat(run(new OptimizerConfig.Adam(0.9, 0.99, 1e-6, 0.02), gradients(2)))
        .containsExactly(adamReference(gradients(2), 0.9, 0.99, 1e-6, 0.02, false), within(1e-5));
  }

  @Test
  void adamW_matchesReference() {
    assertThat(run(new OptimizerConfig.AdamW(0.8, 0.95, 1e-6, 0.1), gradients(3)))
        .containsExactly(adamReference(gradients(3), 0.8, 0.95, 1e-6, 0.1, true), within(1e-5));
  }

  @Test
  void loadState_continuesExactlyLikeAnUninterruptedRun() {
    OptimizerConfig config = OptimizerConfig.AdamW.defaults();
    double[][] grads = gradients(4);
    double[] uninterrupted = run(config, grads);
    try (PointerScope scope = new PointerScope()) {
      Tensor p1 = tensor(initial());
      Map<String, Tensor> saved;
      long savedSteps;
      Tensor p2;
      try (Optimizer first = Optimizer.create(config, List.of(p1))) {
        for (int t = 0; t < 2; t++) {
          first.step(List.of(tensor(grads[t])), LR);
        }
        savedSteps = first.steps();
        saved = new java.util.LinkedHashMap<>();
        first.state().forEach((k, v) -> saved.put(k, v.clone()));
        p2 = p1.clone();
      }
      try (Optimizer second = Optimizer.create(config, List.of(p2))) {
        second.loadState(saved, savedSteps);
        for (int t = 2; t < STEPS; t++) {
          second.step(List.of(tensor(grads[t])), LR);
        }
      }
      assertThat(values(p2)).containsExactly(uninterrupted, within(0.0));
    }
  }

  @Test
  void step_wrongNumberOfGradients_throws() {
    try (PointerScope scope = new PointerScope();
        Optimizer opt =
            Optimizer.create(new OptimizerConfig.Sgd(0, 0), List.of(tensor(initial())))) {
      assertThatThrownBy(() -> opt.step(List.of(), LR)).hasMessageContaining("expected 1");
    }
  }

  @Test
  void config_betaOne_throws() {
    assertThatThrownBy(() -> new OptimizerConfig.Adam(1.0, 0.9, 1e-8, 0))
        .hasMessageContaining("beta1 must be in [0, 1)");
  }

  private static double[] adamReference(
      double[][] grads, double b1, double b2, double eps, double wd, boolean decoupled) {
    double[] p = initial();
    double[] m = new double[N];
    double[] v = new double[N];
    for (int t = 1; t <= STEPS; t++) {
      for (int i = 0; i < N; i++) {
        double g = grads[t - 1][i];
        if (decoupled) {
          p[i] *= 1 - LR * wd;
        } else {
          g += wd * p[i];
        }
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        double mHat = m[i] / (1 - Math.pow(b1, t));
        double vHat = v[i] / (1 - Math.pow(b2, t));
        p[i] -= LR * mHat / (Math.sqrt(vHat) + eps);
      }
    }
    return p;
  }

  private static double[] run(OptimizerConfig config, double[][] grads) {
    try (PointerScope scope = new PointerScope()) {
      Tensor p = tensor(initial());
      try (Optimizer opt = Optimizer.create(config, List.of(p))) {
        for (double[] g : grads) {
          opt.step(List.of(tensor(g)), LR);
        }
        assertThat(opt.steps()).isEqualTo(STEPS);
      }
      return values(p);
    }
  }

  private static double[] initial() {
    double[] p = new double[N];
    for (int i = 0; i < N; i++) {
      p[i] = 0.5 - 0.15 * i;
    }
    return p;
  }

  private static double[][] gradients(long seed) {
    Random random = new Random(seed);
    double[][] g = new double[STEPS][N];
    for (double[] row : g) {
      for (int i = 0; i < N; i++) {
        row[i] = random.nextGaussian();
      }
    }
    return g;
  }

  private static Tensor tensor(double[] values) {
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) values[i];
    }
    return torch.tensor(f);
  }

  private static double[] values(Tensor t) {
    Tensor c = t.contiguous();
    float[] f = new float[(int) c.numel()];
    c.data_ptr_float().get(f);
    double[] out = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      out[i] = f[i];
    }
    return out;
  }
}
