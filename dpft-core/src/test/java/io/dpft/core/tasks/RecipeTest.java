package io.dpft.core.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.peft.FineTuningMethod;
import org.junit.jupiter.api.Test;

/** The defaults against the rules the class documents, computed here by hand. */
class RecipeTest {
  private static final FineTuningMethod BITFIT = new FineTuningMethod.BitFit(false);

  @Test
  void privateBatch_isAbout4RootN_inMultiplesOf64_between64And1024_andAtMostAQuarterOfN() {
    assertThat(Recipe.of(3600, true, BITFIT).logicalBatchSize()).isEqualTo(256); // 4·60 = 240
    assertThat(Recipe.of(2394, true, BITFIT).logicalBatchSize()).isEqualTo(192); // 4·48.9 = 196
    assertThat(Recipe.of(100_000, true, BITFIT).logicalBatchSize()).isEqualTo(1024);
    assertThat(Recipe.of(400, true, BITFIT).logicalBatchSize()).isEqualTo(64); // 4·20 = 80
    assertThat(Recipe.of(40, true, BITFIT).logicalBatchSize()).isEqualTo(10); // N/4
    assertThat(Recipe.of(3600, false, BITFIT).logicalBatchSize()).isEqualTo(128);
  }

  @Test
  void privateEpochs_fit20000ExamplePassesWithin3To10_andAProbeTakes50() {
    assertThat(Recipe.of(3600, true, BITFIT).epochs()).isEqualTo(5); // ⌊20000/3600⌋
    assertThat(Recipe.of(1000, true, BITFIT).epochs()).isEqualTo(10);
    assertThat(Recipe.of(50_000, true, BITFIT).epochs()).isEqualTo(3);
    assertThat(Recipe.of(3600, true, new FineTuningMethod.LastLayer()).epochs()).isEqualTo(50);
    assertThat(Recipe.of(3600, false, BITFIT).epochs()).isEqualTo(3);
  }

  @Test
  void learningRate_isTheMethods() {
    assertThat(Recipe.of(3600, true, new FineTuningMethod.Full()).learningRate()).isEqualTo(5e-4);
    assertThat(Recipe.of(3600, true, BITFIT).learningRate()).isEqualTo(5e-3);
    assertThat(Recipe.of(3600, true, new FineTuningMethod.LastLayer()).learningRate())
        .isEqualTo(1e-2);
    assertThat(Recipe.of(3600, true, new FineTuningMethod.SideNetwork(8)).learningRate())
        .isEqualTo(3e-3);
  }

  @Test
  void anEmptyTrainingSet_isRefused() {
    assertThatThrownBy(() -> Recipe.of(0, true, BITFIT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("training set size");
  }
}
