package io.dpft.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PrvGridTest {

  @Test
  void choose_meetsTheMeshAndDomainConditions() {
    List<MechanismSegment> history =
        List.of(new MechanismSegment(1.0, 0.01, 3000), new MechanismSegment(2.0, 0.05, 1000));
    double epsError = 0.01;
    double deltaError = 1e-8;

    PrvGrid grid = PrvGrid.choose(history, epsError, deltaError);

    double paperMesh = epsError / Math.sqrt(4000 / 2.0 * Math.log(12 / deltaError));
    assertThat(grid.meshSize()).isLessThanOrEqualTo(paperMesh).isGreaterThan(paperMesh / 2);
    assertThat(Integer.bitCount(grid.size())).isEqualTo(1);
    assertThat(grid.halfWidth())
        .isGreaterThanOrEqualTo(Math.log(6 / deltaError) + epsError)
        .isGreaterThanOrEqualTo(PrvTailBound.upperQuantile(history, deltaError / 3) + epsError);
    for (MechanismSegment s : history) {
      PrvSubsampledGaussian prv = new PrvSubsampledGaussian(s.noiseMultiplier(), s.sampleRate());
      double tail = PrvGrid.stepTail(history, s, deltaError);
      assertThat(prv.survival(grid.halfWidth() - 2 * grid.meshSize())).isLessThanOrEqualTo(tail);
    }
  }

  @Test
  void choose_tooManyPoints_throwsNamingEpsError() {
    List<MechanismSegment> history = List.of(new MechanismSegment(1.0, 0.01, 10_000_000));
    assertThatThrownBy(() -> PrvGrid.choose(history, 1e-4, 1e-8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epsError")
        .hasMessageContaining(String.valueOf(PrvGrid.MAX_SIZE));
  }

  @Test
  void constructor_oddSize_throws() {
    assertThatThrownBy(() -> new PrvGrid(0.1, 7)).isInstanceOf(IllegalArgumentException.class);
  }
}
