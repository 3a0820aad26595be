package io.seedflow.jobs.streaming;

import io.seedflow.connectors.kafka.DeadLetterSerializationSchema;
import io.seedflow.connectors.log.UpdateLogEncoding;
import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.settings.JobSettings;
import io.seedflow.operators.TrainerConfig;
import io.seedflow.operators.ZoTrainerOptions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.apache.flink.configuration.Configuration;

/**
 * Immutable settings of {@link StreamingPipeline}: where Kafka and the schema registry are, the three topics, the
 * model and trainer settings ({@link ZoTrainerOptions}) and checkpointing. {@link Builder#build()} validates
 * everything once, including the trainer settings, so a bad value fails before any job is submitted.
 */
public final class StreamingSettings {
    private final String bootstrapServers;
    private final RegistryClientOptions registry;
    private final String eventsTopic;
    private final String updatesTopic;
    private final UpdateLogEncoding updatesEncoding;
    private final String deadLetterTopic;
    private final int deadLetterMaxBytes;
    private final int maxTextChars;
    private final String holdoutTopic; // nullable
    private final List<String> dataParallelModels;
    private final String consumerGroup;
    private final String transactionalIdPrefix;
    private final TrainerConfig trainerConfig;
    private final Duration checkpointInterval;
    private final boolean bounded;
    private final String signingKey; // nullable

    private StreamingSettings(Builder b, TrainerConfig trainerConfig) {
        this.bootstrapServers = b.bootstrapServers;
        this.registry = b.registry;
        this.eventsTopic = b.eventsTopic;
        this.updatesTopic = b.updatesTopic;
        this.updatesEncoding = b.updatesEncoding;
        this.deadLetterTopic = b.deadLetterTopic;
        this.deadLetterMaxBytes = (int) b.deadLetterMaxBytes;
        this.maxTextChars = b.maxTextChars;
        this.holdoutTopic = b.holdoutTopic;
        this.dataParallelModels = List.copyOf(b.dataParallelModels);
        this.consumerGroup = b.consumerGroup;
        this.transactionalIdPrefix = b.transactionalIdPrefix;
        this.trainerConfig = trainerConfig;
        this.checkpointInterval = b.checkpointInterval;
        this.bounded = b.bounded;
        this.signingKey = b.signingKey;
    }

    /** The file of the Ed25519 key that signs the log ({@code seedflow.job.signing-key}); empty = unsigned. */
    public java.util.Optional<String> signingKey() {
        return java.util.Optional.ofNullable(signingKey);
    }

    public static Builder builder() {
        return new Builder();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public RegistryClientOptions registry() {
        return registry;
    }

    public String eventsTopic() {
        return eventsTopic;
    }

    public String updatesTopic() {
        return updatesTopic;
    }

    /** How update records are written to the updates topic (format 4, compact, unless FULL is asked for). */
    public UpdateLogEncoding updatesEncoding() {
        return updatesEncoding;
    }

    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    /** Most bytes of an original value copied into a dead letter; longer values are cut (see the sink). */
    public int deadLetterMaxBytes() {
        return deadLetterMaxBytes;
    }

    /** The topic of holdout events (evaluated on, never trained on), if one is configured. */
    public java.util.Optional<String> holdoutTopic() {
        return java.util.Optional.ofNullable(holdoutTopic);
    }

    /** Model ids trained by all trainer subtasks together (docs/scale-out.md); empty = none. */
    public List<String> dataParallelModels() {
        return dataParallelModels;
    }

    public String consumerGroup() {
        return consumerGroup;
    }

    public String transactionalIdPrefix() {
        return transactionalIdPrefix;
    }

    /** The model, parsed once when the settings were built. */
    public ModelSpec modelSpec() {
        return trainerConfig.spec();
    }

    /** The longest text of a text event (text models). */
    public int maxTextChars() {
        return maxTextChars;
    }

    /**
     * The trainer's settings, typed and validated once when these settings were built (the model spec, and the holdout
     * topic as the holdout source, included): what the trainer operators receive.
     */
    public TrainerConfig trainerConfig() {
        return trainerConfig;
    }

    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    public boolean bounded() {
        return bounded;
    }

    @Override
    public String toString() {
        return "StreamingSettings{bootstrapServers=" + bootstrapServers + ", registry=" + registry + ", events="
                + eventsTopic + ", updates=" + updatesTopic + " (" + updatesEncoding + ")" + ", deadLetters=" + deadLetterTopic + " (values cut at " + deadLetterMaxBytes + " bytes), group="
                + consumerGroup + ", model=" + trainerConfig.spec().toText()
                + (dataParallelModels.isEmpty() ? "" : ", dataParallelModels=" + dataParallelModels)
                + (holdoutTopic == null ? "" : ", holdout=" + holdoutTopic)
                + (signingKey == null ? "" : ", log signed with the key in " + signingKey)
                + ", checkpointInterval=" + checkpointInterval + ", bounded=" + bounded + "}";
    }

    /** Collects settings; {@link #build()} validates them all at once. */
    public static final class Builder {
        private String bootstrapServers;
        private RegistryClientOptions registry;
        private String eventsTopic = JobSettings.EVENTS_TOPIC.defaultValue().orElseThrow();
        private String updatesTopic = JobSettings.UPDATES_TOPIC.defaultValue().orElseThrow();
        private UpdateLogEncoding updatesEncoding = UpdateLogEncoding.COMPACT;
        private String deadLetterTopic = JobSettings.DEAD_LETTER_TOPIC.defaultValue().orElseThrow();
        private long deadLetterMaxBytes = JobSettings.DEAD_LETTER_MAX_BYTES.defaultValue().orElseThrow();
        private int maxTextChars = JobSettings.MAX_TEXT_CHARS.defaultValue().orElseThrow();
        private String holdoutTopic;
        private List<String> dataParallelModels = List.of();
        private String consumerGroup = JobSettings.CONSUMER_GROUP.defaultValue().orElseThrow();
        private String transactionalIdPrefix = JobSettings.TRANSACTIONAL_ID_PREFIX.defaultValue().orElseThrow();
        private String modelSpec;
        private Configuration trainer = new Configuration();
        private Duration checkpointInterval = JobSettings.CHECKPOINT_INTERVAL.defaultValue().orElseThrow();
        private boolean bounded;
        private String signingKey;

        private Builder() {
        }

        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        public Builder registry(RegistryClientOptions registry) {
            this.registry = registry;
            return this;
        }

        public Builder eventsTopic(String topic) {
            this.eventsTopic = topic;
            return this;
        }

        public Builder updatesTopic(String topic) {
            this.updatesTopic = topic;
            return this;
        }

        /**
         * How update records are written to the updates topic: {@link UpdateLogEncoding#COMPACT} (format 4, the
         * default) or {@link UpdateLogEncoding#FULL} (formats 1 to 3, for replicas that predate format 4).
         */
        public Builder updatesEncoding(UpdateLogEncoding encoding) {
            this.updatesEncoding = Objects.requireNonNull(encoding, "updates encoding");
            return this;
        }

        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = topic;
            return this;
        }

        /**
         * Most bytes of an original value copied into a dead letter ({@link JobSettings#DEAD_LETTER_MAX_BYTES}); a
         * longer value is dead-lettered as its prefix with its size and SHA-256.
         */
        public Builder deadLetterMaxBytes(long bytes) {
            this.deadLetterMaxBytes = bytes;
            return this;
        }

        /** The longest text of a text event ({@link JobSettings#MAX_TEXT_CHARS}). */
        public Builder maxTextChars(int chars) {
            this.maxTextChars = chars;
            return this;
        }

        /** Optional topic of holdout events; null or blank = none. */
        public Builder holdoutTopic(String topic) {
            this.holdoutTopic = topic == null || topic.isBlank() ? null : topic;
            return this;
        }

        /** Model ids each trained by all trainer subtasks together ({@code seedflow.job.data-parallel-models}). */
        public Builder dataParallelModels(List<String> modelIds) {
            this.dataParallelModels = List.copyOf(modelIds);
            return this;
        }

        public Builder consumerGroup(String group) {
            this.consumerGroup = group;
            return this;
        }

        /** Prefix of the sinks' Kafka transactional ids; must be unique per job on a Kafka cluster. */
        public Builder transactionalIdPrefix(String prefix) {
            this.transactionalIdPrefix = prefix;
            return this;
        }

        /** The model, e.g. {@code mlp:784x64x10:relu}; overrides {@code seedflow.model.spec} in the trainer settings. */
        public Builder modelSpec(String spec) {
            this.modelSpec = spec;
            return this;
        }

        /** The trainer's {@link ZoTrainerOptions} settings (copied). */
        public Builder trainer(Configuration trainer) {
            this.trainer = new Configuration(Objects.requireNonNull(trainer, "trainer"));
            return this;
        }

        public Builder checkpointInterval(Duration interval) {
            this.checkpointInterval = interval;
            return this;
        }

        /**
         * The Ed25519 private key file that signs the log ({@link JobSettings#SIGNING_KEY}); null or blank = unsigned.
         * Read here to check it, and again by the sealer on the task manager.
         */
        public Builder signingKey(String path) {
            this.signingKey = path == null || path.isBlank() ? null : path;
            return this;
        }

        /** Stop at the events topic's offsets as of job start (tests, backfills) instead of running forever. */
        public Builder bounded(boolean bounded) {
            this.bounded = bounded;
            return this;
        }

        /**
         * Validates every setting once: the job's here, the trainer's by {@link ZoTrainerOptions#resolve} (the model
         * spec parsed once), then whether a text model has a vocabulary.
         */
        public StreamingSettings build() {
            sanityCheck();
            Configuration withSpec = new Configuration(trainer);
            withSpec.set(ZoTrainerOptions.MODEL_SPEC, modelSpec);
            if (holdoutTopic != null) {
                withSpec.set(ZoTrainerOptions.HOLDOUT_SOURCE, holdoutTopic);
            }
            TrainerConfig trainerConfig = ZoTrainerOptions.resolve(withSpec);
            trainerConfig.spec().inputCodec().requireDecodable(); // text events need the model's vocabulary
            return new StreamingSettings(this, trainerConfig);
        }

        private void sanityCheck() {
            require("bootstrap servers", bootstrapServers, "e.g. localhost:9092");
            Objects.requireNonNull(registry, "registry: the schema registry settings are required");
            JobSettings.EVENTS_TOPIC.check(eventsTopic);
            JobSettings.UPDATES_TOPIC.check(updatesTopic);
            JobSettings.DEAD_LETTER_TOPIC.check(deadLetterTopic);
            if (holdoutTopic != null) {
                JobSettings.HOLDOUT_TOPIC.check(holdoutTopic);
            }
            JobSettings.DATA_PARALLEL_MODELS.check(dataParallelModels);
            JobSettings.CONSUMER_GROUP.check(consumerGroup);
            DeadLetterSerializationSchema.requireValidLimit(deadLetterMaxBytes,
                    JobSettings.DEAD_LETTER_MAX_BYTES.key());
            JobSettings.TRANSACTIONAL_ID_PREFIX.check(transactionalIdPrefix);
            if (signingKey != null) {
                if (updatesEncoding != UpdateLogEncoding.COMPACT) {
                    throw new io.seedflow.core.error.InvalidConfigurationException(JobSettings.SIGNING_KEY.key(),
                            signingKey, "a signed log needs the compact encoding (format 4); the updates encoding "
                                    + "is " + updatesEncoding);
                }
                io.seedflow.core.log.LogSignatures.readPrivateKey(JobSettings.SIGNING_KEY.key(),
                        java.nio.file.Path.of(signingKey));
            }
            if (eventsTopic.equals(updatesTopic) || eventsTopic.equals(deadLetterTopic)
                    || updatesTopic.equals(deadLetterTopic)) {
                throw new IllegalArgumentException("topics must differ, got events=" + eventsTopic + ", updates="
                        + updatesTopic + ", dead letters=" + deadLetterTopic);
            }
            if (holdoutTopic != null && (holdoutTopic.equals(eventsTopic) || holdoutTopic.equals(updatesTopic)
                    || holdoutTopic.equals(deadLetterTopic))) {
                throw new IllegalArgumentException("holdout topic: expected a topic of its own, got '" + holdoutTopic
                        + "', which is also the events, updates or dead-letter topic");
            }
            require("model spec", modelSpec, "e.g. mlp:784x64x10:relu");
            JobSettings.MAX_TEXT_CHARS.check(maxTextChars);
            JobSettings.CHECKPOINT_INTERVAL.check(checkpointInterval);
        }

        private static void require(String what, String value, String example) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(what + " is required (" + example + "), got '" + value + "'");
            }
        }
    }
}
