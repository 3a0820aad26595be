package io.seedflow.connectors.log;

import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.PerturbationTerm;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.log.UpdateStatus;
import java.util.List;

/** Fixed records shared by the codec and log-file tests. */
final class UpdateRecordFixtures {
    private UpdateRecordFixtures() {
    }

    static UpdateRecord golden() {
        return new UpdateRecord(1, "fashion-mnist-mlp", "ab".repeat(32), 42, UpdateStatus.APPLIED, 0.99999f,
                List.of(new PerturbationTerm(0x0123456789abcdefL, 1.5e-4f, 0.3f, 2.25f, 2.2494f),
                        new PerturbationTerm(-7L, -2.0e-5f, -0.04f, 2.1f, 2.10008f)),
                1e-3f, 5e-4f, 64,
                List.of(new Lineage("events", 0, 1000, 1032), new Lineage("events", 3, 77, 109)),
                1_763_856_000_000L);
    }

    static UpdateRecord skipped(long step) {
        return new UpdateRecord(1, "m", "cd".repeat(32), step, UpdateStatus.SKIPPED_NON_FINITE, 1f, List.of(), 1e-3f,
                5e-4f, 8, List.of(new Lineage("offline:x", 0, step * 8, step * 8 + 8)), 0L);
    }
}
