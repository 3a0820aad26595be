package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.core.data.SpamAssassinCorpus;
import io.seedflow.jobs.embedded.DemoDataset;
import io.seedflow.jobs.embedded.DemoSettings;
import io.seedflow.jobs.embedded.DemoStatus;
import io.seedflow.jobs.embedded.PoisonKind;
import io.seedflow.jobs.embedded.StreamingDemo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The email demo ({@code seedflow demo --dataset spam-assassin}) on its first 320 mails, read at 32 tokens to stay
 * fast: every mail is trained on, each text poison kind is dead-lettered with its reason and the counts reconcile; the
 * stream ends the run by itself; the replica holds the trainer's weights bit for bit at the last step (20, a snapshot
 * step); the trainer's prequential scores were sampled and the learning curve against the frozen model was drawn.
 */
class EmailDemoITCase {
    private static final int MAILS = 320;
    private static final int POISON_EVERY = 40;
    private static final int BATCH = 16;
    private static final int SNAPSHOT_INTERVAL = 10;

    @Test
    void streamsMailsAsTextEventsDeadLettersTextPoisonAndDrawsTheLearningCurve(@TempDir Path tmp) throws Exception {
        DemoSettings settings = DemoSettings.builder(DemoDataset.named(DemoDataset.SPAM_ASSASSIN))
                .modelSpec("encoder:all-minilm-l6-v2:2:32").eventLimit(MAILS).eventsPerSecond(100)
                .poisonEvery(POISON_EVERY).duration(Duration.ofSeconds(80)).ports(0, 0, 0)
                .runDir(tmp.resolve("run")).snapshotIntervalSteps(SNAPSHOT_INTERVAL)
                .checkpointInterval(Duration.ofMillis(500)).reportInterval(Duration.ofSeconds(1))
                .dataDir(SpamAssassinCorpus.defaultDir()).build();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);

        long start = System.nanoTime();
        StreamingDemo demo = StreamingDemo.start(settings, out);
        try {
            demo.run();
        } finally {
            try {
                demo.close(); // throws if any part did not stop cleanly
            } finally {
                System.out.println(output.toString(StandardCharsets.UTF_8) + demo.summary()); // into the test report
            }
        }
        String printed = output.toString(StandardCharsets.UTF_8);

        // the stream ended the run, well before the duration
        assertThat(printed).contains("the stream is over");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(80));

        // produced = trained + dead-lettered; every mail trained on, each poison record dead-lettered with its reason
        DemoStatus last = demo.lastStatus();
        assertThat(last.failure()).isNull();
        assertThat(last.eventsProduced()).isEqualTo(MAILS);
        assertThat(last.poisonSent()).isEqualTo(MAILS / POISON_EVERY);
        assertThat(last.eventsTrained()).as("mails trained on").isEqualTo(MAILS);
        assertThat(last.eventsTrained() + last.deadLettered()).isEqualTo(last.eventsProduced() + last.poisonSent());
        Map<String, Long> expected = new TreeMap<>();
        for (int i = 0; i < MAILS / POISON_EVERY; i++) {
            expected.merge(PoisonKind.nth(PoisonKind.TEXT, i).expectedReason().name(), 1L, Long::sum);
        }
        assertThat(expected.keySet()).as("every text poison kind was sent").hasSize(PoisonKind.TEXT.size())
                .contains("EMPTY_TEXT", "TEXT_TOO_LONG", "INVALID_TEXT", "WRONG_PAYLOAD", "LABEL_OUT_OF_RANGE");
        assertThat(demo.deadLettersByReason()).isEqualTo(expected);

        // the replica has the trainer's weights at its last step, which is a snapshot step
        assertThat(last.trainerStep()).isEqualTo(MAILS / BATCH);
        String trainers = StreamingItSupport.trainerSnapshotAt(demo.snapshotDir(), last.trainerStep());
        assertThat(demo.replicaWeightsSha256()).contains(trainers);
        assertThat(demo.summary()).contains("= the trainer's snapshot of that step");

        // prequential scores along the stream, and the learning curve against the frozen starting model
        assertThat(demo.prequentialSamples()).isNotEmpty()
                .allSatisfy(p -> assertThat(p.f1()).isBetween(0.0, 1.0));
        assertThat(printed).contains("preq. F1");
        assertThat(demo.learningCurve()).isPresent();
        assertThat(demo.learningCurve().get().frozenF1()).isBetween(0.0, 1.0);
        assertThat(demo.learningCurvePng()).isRegularFile();
        assertThat(Files.size(demo.learningCurvePng())).isGreaterThan(1_000);
        assertThat(Files.readAllLines(demo.runDir().resolve("learning-curve.csv")).get(0))
                .isEqualTo("examples,f1,accuracy,frozen_f1,frozen_accuracy");
    }
}
