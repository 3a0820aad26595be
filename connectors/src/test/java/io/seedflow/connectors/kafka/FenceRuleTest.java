package io.seedflow.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.ForkedLogException;
import org.junit.jupiter.api.Test;

/** Which of two writers of a model's log goes on: the one whose value of the first contested step came first. */
class FenceRuleTest {
    private long offset;

    private FenceRule.Value own(long step) {
        return new FenceRule.Value("updates/0", offset++, "m", step, false, true, "me#0");
    }

    private FenceRule.Value other(String writer, long step) {
        return new FenceRule.Value("updates/0", offset++, "m", step, false, false, writer);
    }

    @Test
    void aWriterAloneGoesOnAndTheStepsBeforeItsFirstAreNotContested() {
        FenceRule rule = new FenceRule();
        rule.seen(other("old#0", 99)); // the log it continues
        rule.seen(other("old#0", 100));
        rule.wrote("m", 101);
        rule.wrote("m", 102);
        rule.seen(own(101));
        rule.seen(own(102));
        assertThatCode(rule::requireGoOn).doesNotThrowAnyException();
    }

    @Test
    void anotherWritersStepBeforeTheWritersOwnStopsIt() {
        FenceRule rule = new FenceRule();
        rule.wrote("m", 101);
        rule.seen(other("b#0", 101));
        rule.seen(own(101));
        assertThatThrownBy(rule::requireGoOn).isInstanceOf(ForkedLogException.class)
                .hasMessage("model 'm': another writer (job b#0) wrote step 101 of its log at updates/0@0, before this "
                        + "job's own step 101: two trainers write the model at once; this job stops without restarts "
                        + "and its uncommitted steps are discarded, so the log stays one line of steps");
    }

    @Test
    void theWriterWhoseStepCameFirstGoesOnWhateverTheOtherWritesLater() {
        FenceRule rule = new FenceRule();
        rule.wrote("m", 101);
        rule.seen(own(101));
        rule.seen(other("b#0", 101)); // b sees this writer's 101 first: b stops
        rule.wrote("m", 102);
        rule.seen(other("b#0", 102)); // b's later steps, still on the topic until b's transaction aborts
        rule.seen(own(102));
        assertThatCode(rule::requireGoOn).doesNotThrowAnyException();
        rule.seen(other("c#0", 103)); // a third writer ahead of this one is judged on its own
        assertThatThrownBy(rule::requireGoOn).isInstanceOf(ForkedLogException.class).hasMessageContaining("job c#0");
    }

    @Test
    void stepsOfAnotherWriterAheadOfThisOneStopItOnceItWritesTheModel() {
        FenceRule rule = new FenceRule();
        rule.seen(other(null, 101)); // before this writer wrote the model; no writer id
        assertThatCode(rule::requireGoOn).doesNotThrowAnyException();
        rule.wrote("m", 101);
        assertThatThrownBy(rule::requireGoOn).isInstanceOf(ForkedLogException.class).hasMessageContaining(
                "another writer (no writer id) wrote step 101");
    }

    @Test
    void aRollbackWrittenWhileTheWriterRunsStopsIt() {
        FenceRule rule = new FenceRule();
        rule.wrote("m", 101);
        rule.seen(own(101));
        rule.seen(other("b#0", 101));
        rule.seen(new FenceRule.Value("updates/0", offset++, "m", 102, true, false, null));
        assertThatThrownBy(rule::requireGoOn).isInstanceOf(ForkedLogException.class)
                .hasMessageStartingWith("model 'm': a rollback to its step 102 was written at updates/0@2 while this "
                        + "job trains the model");
    }

    @Test
    void otherModelsAreNotThisWritersConcern() {
        FenceRule rule = new FenceRule();
        rule.wrote("m", 101);
        rule.seen(new FenceRule.Value("updates/0", offset++, "n", 101, false, false, "b#0"));
        assertThatCode(rule::requireGoOn).doesNotThrowAnyException();
    }
}
