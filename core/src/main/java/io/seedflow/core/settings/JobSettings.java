package io.seedflow.core.settings;

import java.time.Duration;
import java.util.List;

/**
 * The streaming job's own settings around the trainer ({@link TrainerSettings}): topics, consumer group, dead-letter
 * limit, checkpoint interval. The Kafka and schema-registry addresses are connection flags of each command, not
 * settings with defaults.
 */
public final class JobSettings {
    /** The default topic names, also as constants for the tools' annotations (produce, broker). */
    public static final String DEFAULT_EVENTS_TOPIC = "seedflow-events";
    public static final String DEFAULT_UPDATES_TOPIC = "seedflow-updates";
    public static final String DEFAULT_DEAD_LETTER_TOPIC = "seedflow-dead-letters";

    public static final Setting<String> EVENTS_TOPIC = topic("seedflow.job.events-topic", "--events-topic",
            DEFAULT_EVENTS_TOPIC, "Labeled events the trainer reads.");
    public static final Setting<String> UPDATES_TOPIC = topic("seedflow.job.updates-topic", "--updates-topic",
            DEFAULT_UPDATES_TOPIC, "The update log and snapshot announcements.");
    public static final Setting<String> DEAD_LETTER_TOPIC = topic("seedflow.job.dead-letter-topic",
            "--dead-letter-topic", DEFAULT_DEAD_LETTER_TOPIC, "Records that cannot be trained on, with the reason.");
    /** Upper bound of {@link #DEAD_LETTER_MAX_BYTES}; larger dead letters need a broker configured for them anyway. */
    public static final int DEAD_LETTER_MAX_BYTES_LIMIT = 64 << 20;
    /** 1,000,000 bytes: with the envelope, a dead letter still fits a default broker's 1 MiB message limit. */
    public static final Setting<Integer> DEAD_LETTER_MAX_BYTES = Setting.intSetting("seedflow.job.dead-letter-max-bytes")
            .flag("--dead-letter-max-bytes").defaultValue(1_000_000)
            .doc("Most bytes of a bad record's value copied into its dead letter; a longer value is dead-lettered as "
                    + "this prefix with its size and SHA-256, so no input can make a dead letter too large to write. "
                    + "Above the default, raise the dead-letter topic's max.message.bytes to this plus 16 KiB.")
            .check(v -> v >= 0 && v <= DEAD_LETTER_MAX_BYTES_LIMIT, "0 to " + DEAD_LETTER_MAX_BYTES_LIMIT + " bytes")
            .build();
    public static final Setting<Integer> MAX_TEXT_CHARS = Setting.intSetting("seedflow.job.max-text-chars")
            .flag("--max-text-chars").defaultValue(100_000)
            .doc("Longest text of a text event, in UTF-16 chars; a longer one is dead-lettered (TEXT_TOO_LONG) before "
                    + "it reaches the tokenizer.").check(v -> v >= 1 && v <= 10_000_000, "in [1, 10000000]").build();
    public static final Setting<String> HOLDOUT_TOPIC = Setting.stringSetting("seedflow.job.holdout-topic")
            .flag("--holdout-topic").doc("Holdout events: evaluated on, never trained on; unset = no holdout.")
            .check(s -> !s.isBlank(), "a topic name").build();
    public static final Setting<List<String>> DATA_PARALLEL_MODELS = Setting
            .listSetting("seedflow.job.data-parallel-models").flag("--data-parallel-models")
            .doc("Model ids each trained by all trainer subtasks together, exchanging only loss sums per step "
                    + "(docs/scale-out.md); their events are spread over the subtasks by position. Other model ids "
                    + "are trained each by one subtask (keyed by model id). Empty = none.")
            .check(ids -> ids.stream().noneMatch(String::isBlank) && ids.stream().distinct().count() == ids.size(),
                    "distinct, non-empty model ids")
            .build();
    public static final Setting<String> CONSUMER_GROUP = Setting.stringSetting("seedflow.job.consumer-group")
            .flag("--consumer-group").defaultValue("seedflow-trainer").doc("Kafka consumer group of the trainer.")
            .check(s -> !s.isBlank(), "not empty").build();
    public static final Setting<String> TRANSACTIONAL_ID_PREFIX = Setting
            .stringSetting("seedflow.job.transactional-id-prefix").flag("--transactional-id-prefix")
            .defaultValue("seedflow").doc("Prefix of the sinks' Kafka transactional ids; unique per job.")
            .check(s -> !s.isBlank(), "not empty").build();
    public static final Setting<Duration> CHECKPOINT_INTERVAL = Setting
            .durationSetting("seedflow.job.checkpoint-interval").flag("--checkpoint-interval")
            .defaultValue(Duration.ofSeconds(10))
            .doc("Checkpoint interval: how often the sinks commit, so the delay before replicas see updates.")
            .check(d -> d.toMillis() >= 10, ">= 10ms").build();
    public static final Setting<String> SIGNING_KEY = Setting.stringSetting("seedflow.job.signing-key")
            .flag("--signing-key")
            .doc("Ed25519 private key (PKCS#8 PEM file, e.g. from `openssl genpkey -algorithm ed25519`; the path on "
                    + "every task manager) that signs the update log: a hash chain over the records, a signed seal at "
                    + "every checkpoint and signed snapshot announcements (docs/update-log-spec.md §10). Replicas given "
                    + "the public key apply only what verifies. Needs the compact log encoding. Unset = unsigned log, "
                    + "records and announcements as without signing.")
            .check(s -> !s.isBlank(), "a file path").build();

    /** Every job setting, in the order of the reference table. */
    public static final List<Setting<?>> ALL = List.of(EVENTS_TOPIC, UPDATES_TOPIC, DEAD_LETTER_TOPIC,
            DEAD_LETTER_MAX_BYTES, MAX_TEXT_CHARS, HOLDOUT_TOPIC, DATA_PARALLEL_MODELS, CONSUMER_GROUP, TRANSACTIONAL_ID_PREFIX, CHECKPOINT_INTERVAL,
            SIGNING_KEY);

    private JobSettings() {
    }

    private static Setting<String> topic(String key, String flag, String defaultTopic, String doc) {
        return Setting.stringSetting(key).flag(flag).defaultValue(defaultTopic).doc(doc)
                .check(s -> s.matches("[a-zA-Z0-9._-]{1,249}"), "a Kafka topic name ([a-zA-Z0-9._-], 1 to 249 chars)")
                .build();
    }
}
