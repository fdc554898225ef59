package io.dpft.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PrivacyLedgerTest {

  @Test
  void record_sameSigmaAndRate_mergesIntoOneSegment() {
    PrivacyLedger ledger = new PrivacyLedger();
    ledger.record(1.0, 0.01, 10);
    ledger.record(1.0, 0.01, 5);
    ledger.record(2.0, 0.01, 1);
    assertThat(ledger.history())
        .containsExactly(new MechanismSegment(1.0, 0.01, 15), new MechanismSegment(2.0, 0.01, 1));
    assertThat(ledger.totalSteps()).isEqualTo(16);
  }

  @Test
  void resume_fromHistory_continuesTheSameSegments() {
    PrivacyLedger saved = new PrivacyLedger();
    saved.record(1.0, 0.02, 7);
    PrivacyLedger resumed = new PrivacyLedger(saved.history());
    resumed.record(1.0, 0.02, 3);
    assertThat(resumed.history()).containsExactly(new MechanismSegment(1.0, 0.02, 10));
  }

  @Test
  void history_isACopy() {
    PrivacyLedger ledger = new PrivacyLedger();
    ledger.record(1.0, 0.5, 1);
    List<MechanismSegment> before = ledger.history();
    ledger.record(3.0, 0.5, 1);
    assertThat(before).hasSize(1);
  }

  @Test
  void segment_sampleRateAboveOne_throwsNamingTheParameter() {
    assertThatThrownBy(() -> new MechanismSegment(1.0, 1.5, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sampleRate")
        .hasMessageContaining("(0, 1]");
  }

  @Test
  void segment_nonPositiveNoise_throws() {
    assertThatThrownBy(() -> new MechanismSegment(0.0, 0.5, 1))
        .hasMessageContaining("noiseMultiplier");
    assertThatThrownBy(() -> new MechanismSegment(Double.NaN, 0.5, 1))
        .hasMessageContaining("noiseMultiplier");
  }

  @Test
  void segment_zeroSteps_throws() {
    assertThatThrownBy(() -> new MechanismSegment(1.0, 0.5, 0)).hasMessageContaining("steps");
  }
}
