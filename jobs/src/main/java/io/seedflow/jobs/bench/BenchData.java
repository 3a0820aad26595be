package io.seedflow.jobs.bench;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.data.LabeledEmail;
import io.seedflow.jobs.embedded.LabeledExamples;
import io.seedflow.schemas.LabeledEvent;
import io.seedflow.text.TextTokenizer;
import java.time.Instant;
import java.util.List;

/**
 * The examples a streaming benchmark sends, twice: as the labeled events a producer writes (dense features or raw
 * text) and as the data set the trainer sees after decoding (features or token ids, same order), for the offline
 * run that the streaming run is compared with.
 */
interface BenchData {
    int count();

    /** Example {@code i} as the event a producer writes. */
    LabeledEvent event(int i, String modelId);

    /** The same examples as the trainer sees them. */
    LabeledDataset examples();

    /** Fashion-MNIST images (or any dense data set) as dense-feature events. */
    static BenchData dense(LabeledDataset data) {
        return new BenchData() {
            @Override
            public int count() {
                return data.count();
            }

            @Override
            public LabeledEvent event(int i, String modelId) {
                return LabeledExamples.event(data, i, modelId, 0, Instant.now());
            }

            @Override
            public LabeledDataset examples() {
                return data;
            }
        };
    }

    /** Mails as text events; the trainer's view tokenized by the same tokenizer the decode stage uses. */
    static BenchData texts(List<LabeledEmail> mails, int maxTokens) {
        List<String> texts = mails.stream().map(LabeledEmail::text).toList();
        int[] labels = mails.stream().mapToInt(LabeledEmail::label).toArray();
        LabeledDataset tokens;
        try (TextTokenizer tokenizer = TextTokenizer.miniLm()) {
            tokens = tokenizer.dataset("spam-assassin", texts, labels, maxTokens, 2);
        }
        return new BenchData() {
            @Override
            public int count() {
                return texts.size();
            }

            @Override
            public LabeledEvent event(int i, String modelId) {
                return LabeledEvent.newBuilder().setEventId("spam-assassin/" + i).setEventTime(Instant.now())
                        .setModelId(modelId).setLabel(labels[i]).setText(texts.get(i)).build();
            }

            @Override
            public LabeledDataset examples() {
                return tokens;
            }
        };
    }
}
