package io.seedflow.core.log;

import static io.seedflow.core.log.UpdateApplierTest.record;
import static io.seedflow.core.log.UpdateApplierTest.term;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.seedflow.core.error.InvalidUpdateRecordException;
import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.error.UpdateLogGapException;
import io.seedflow.core.error.UpdateOrderException;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Spec section 5.2: strict step order; every refusal leaves version and weights as they were. */
class ReplicaTest {
    private ParameterSet base;
    private final List<UpdateRecord> log = new ArrayList<>();

    @BeforeEach
    void setUp() {
        base = new ParameterSet(List.of(new TensorSpec("w", new int[] {8, 5}), new TensorSpec("b", new int[] {8})));
        SplittableRandom rnd = new SplittableRandom(1);
        for (int t = 0; t < base.size(); t++) {
            for (int i = 0; i < base.tensor(t).length; i++) {
                base.tensor(t)[i] = (float) rnd.nextGaussian();
            }
        }
        for (int step = 1; step <= 10; step++) {
            log.add(step == 4 ? record(step, UpdateStatus.SKIPPED_NON_FINITE, 1f)
                    : record(step, UpdateStatus.APPLIED, 0.99f, term(1000 + step, 0.01f * step), term(-step, -0.003f)));
        }
    }

    /** Weights after applying records 1..n directly. */
    private ParameterSet weightsAt(int n) {
        ParameterSet p = base.copy();
        for (int i = 0; i < n; i++) {
            UpdateApplier.apply(p, log.get(i));
        }
        return p;
    }

    private Replica replicaAt(int n) {
        Replica r = new Replica("model", base.copy(), 0);
        for (int i = 0; i < n; i++) {
            r.apply(log.get(i));
        }
        return r;
    }

    @Test
    void appliesAContiguousLog() {
        Replica r = replicaAt(10);
        assertThat(r.version()).isEqualTo(10);
        assertThat(r.modelId()).isEqualTo("model");
        assertThat(r.parameters().weightsSha256()).isEqualTo(weightsAt(10).weightsSha256());
        assertThat(r.parameters().weightsSha256()).isNotEqualTo(base.weightsSha256());
    }

    @Test
    void startsFromASnapshotVersion() {
        Replica r = new Replica("model", weightsAt(6), 6);
        for (int i = 6; i < 10; i++) {
            r.apply(log.get(i));
        }
        assertThat(r.version()).isEqualTo(10);
        assertThat(r.parameters().weightsSha256()).isEqualTo(weightsAt(10).weightsSha256());
    }

    @Test
    void gapIsAnErrorNamingTheMissingSteps() {
        Replica r = replicaAt(3);
        String before = r.parameters().weightsSha256();
        UpdateLogGapException e = catchThrowableOfType(UpdateLogGapException.class, () -> r.apply(log.get(5)));
        assertThat(e).isNotNull();
        assertThat(e.expectedStep()).isEqualTo(4);
        assertThat(e.foundStep()).isEqualTo(6);
        assertThat(e).hasMessageContaining("'model'").hasMessageContaining("expected step 4")
                .hasMessageContaining("got step 6").hasMessageContaining("missing steps 4..5")
                .hasMessageContaining("re-bootstrap");
        assertThat(r.version()).isEqualTo(3);
        assertThat(r.parameters().weightsSha256()).isEqualTo(before);
        // the log continues where it should
        r.apply(log.get(3));
        r.apply(log.get(4));
        r.apply(log.get(5));
        assertThat(r.version()).isEqualTo(6);
        assertThat(r.parameters().weightsSha256()).isEqualTo(weightsAt(6).weightsSha256());
    }

    @Test
    void singleMissingStepIsNamed() {
        Replica r = replicaAt(0);
        UpdateLogGapException e = catchThrowableOfType(UpdateLogGapException.class, () -> r.apply(log.get(1)));
        assertThat(e).hasMessageContaining("missing steps 1..1");
        assertThat(r.version()).isZero();
    }

    @Test
    void duplicateIsRefused() {
        Replica r = replicaAt(5);
        String before = r.parameters().weightsSha256();
        UpdateOrderException e = catchThrowableOfType(UpdateOrderException.class, () -> r.apply(log.get(4)));
        assertThat(e).hasMessageContaining("expected step 6").hasMessageContaining("got step 5");
        assertThat(r.version()).isEqualTo(5);
        assertThat(r.parameters().weightsSha256()).isEqualTo(before);
        r.apply(log.get(5));
        assertThat(r.parameters().weightsSha256()).isEqualTo(weightsAt(6).weightsSha256());
    }

    @Test
    void reorderedRecordIsRefused() {
        Replica r = replicaAt(5);
        String before = r.parameters().weightsSha256();
        UpdateOrderException e = catchThrowableOfType(UpdateOrderException.class, () -> r.apply(log.get(1)));
        assertThat(e).hasMessageContaining("got step 2");
        assertThat(r.version()).isEqualTo(5);
        assertThat(r.parameters().weightsSha256()).isEqualTo(before);
    }

    @Test
    void recordForAnotherModelIsRefused() {
        Replica r = replicaAt(2);
        String before = r.parameters().weightsSha256();
        UpdateRecord other = record(1, "other-model", 3, UpdateStatus.APPLIED, 1f, term(1, 0.5f));
        InvalidUpdateRecordException e = catchThrowableOfType(InvalidUpdateRecordException.class, () -> r.apply(other));
        assertThat(e).hasMessageContaining("'other-model'").hasMessageContaining("'model'");
        assertThat(r.version()).isEqualTo(2);
        assertThat(r.parameters().weightsSha256()).isEqualTo(before);
        r.apply(log.get(2));
        assertThat(r.parameters().weightsSha256()).isEqualTo(weightsAt(3).weightsSha256());
    }

    @Test
    void invalidRecordAtTheRightStepIsRefusedAndTheValidOneStillApplies() {
        Replica r = replicaAt(2);
        String before = r.parameters().weightsSha256();
        UpdateRecord nan = record(3, UpdateStatus.APPLIED, 1f, term(1, 0.1f), term(2, Float.NaN));
        assertThat(catchThrowableOfType(InvalidUpdateRecordException.class, () -> r.apply(nan))).hasMessageContaining("NaN");
        UpdateRecord v9 = record(9, "model", 3, UpdateStatus.APPLIED, 1f, term(1, 0.1f));
        assertThat(catchThrowableOfType(UnsupportedFormatVersionException.class, () -> r.apply(v9))).isNotNull();
        assertThat(r.version()).isEqualTo(2);
        assertThat(r.parameters().weightsSha256()).isEqualTo(before);
        r.apply(log.get(2));
        assertThat(r.version()).isEqualTo(3);
        assertThat(r.parameters().weightsSha256()).isEqualTo(weightsAt(3).weightsSha256());
    }

    @Test
    void checksRunInTheSpecifiedOrderModelThenStepThenContent() {
        // spec section 5: 1. model id, 2. order (gap / duplicate), 3. validation of the record's content
        Replica r = replicaAt(2);
        UpdateRecord foreignGap = record(1, "other", 9, UpdateStatus.APPLIED, 1f, term(1, 0.1f));
        assertThat(catchThrowableOfType(InvalidUpdateRecordException.class, () -> r.apply(foreignGap))).isNotNull();
        UpdateRecord v2Gap = record(2, "model", 9, UpdateStatus.APPLIED, 1f, term(1, 0.1f));
        assertThat(catchThrowableOfType(UpdateLogGapException.class, () -> r.apply(v2Gap))).isNotNull();
        UpdateRecord nanDuplicate = record(2, UpdateStatus.APPLIED, 1f, term(1, Float.NaN));
        assertThat(catchThrowableOfType(UpdateOrderException.class, () -> r.apply(nanDuplicate))).isNotNull();
        assertThat(r.version()).isEqualTo(2);
    }

    @Test
    void skippedRecordAdvancesTheVersionOnly() {
        Replica r = replicaAt(3);
        String before = r.parameters().weightsSha256();
        r.apply(log.get(3)); // step 4 is SKIPPED_NON_FINITE
        assertThat(r.version()).isEqualTo(4);
        assertThat(r.parameters().weightsSha256()).isEqualTo(before);
    }
}
