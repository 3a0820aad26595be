package io.seedflow.operators.internal;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.log.ExistingLogPolicy;
import io.seedflow.core.log.ModelHistory;
import io.seedflow.core.settings.TrainerSettings;
import org.apache.flink.runtime.execution.SuppressRestartsException;

/**
 * A trainer's fresh start of a model whose log has steps (docs/update-log-spec.md §7.3), the part both trainers
 * share: refused under {@link ExistingLogPolicy#REFUSE}, else continued from the newest announced snapshot.
 */
public final class LogResume {
    private LogResume() {
    }

    /**
     * The snapshot to continue {@code past} from.
     *
     * @throws SuppressRestartsException under REFUSE, naming the setting, the model and its last step
     */
    public static SnapshotPointer snapshotToContinue(ExistingLogPolicy policy, ModelHistory past) {
        if (policy == ExistingLogPolicy.REFUSE) {
            throw new SuppressRestartsException(new InvalidConfigurationException(
                    TrainerSettings.EXISTING_LOG.key(), ExistingLogPolicy.REFUSE, "model '" + past.modelId()
                            + "' already has a log up to step " + past.lastStep() + ": it is not started again at "
                            + "step 1; restore the job from a checkpoint or savepoint, continue the log with RESUME, "
                            + "or give the model a new id"));
        }
        return SnapshotPointer.of(past.snapshot());
    }
}
