package io.seedflow.core.model;

import io.seedflow.core.data.ExampleValidator;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.data.Rejection;
import io.seedflow.core.data.RejectionReason;
import io.seedflow.core.data.TrainingExample;
import java.util.List;
import java.util.Optional;

/** Dense features, {@link ModelSpec#inputWidth()} floats per example, finite, checked by {@link ExampleValidator}. */
public final class DenseInput implements InputCodec {
    private final ModelSpec spec;

    public DenseInput(ModelSpec spec) {
        this.spec = spec;
    }

    @Override
    public void requireDecodable() {
        // nothing to load
    }

    @Override
    public Decoder decoder(int maxTextChars) {
        ExampleValidator validator = new ExampleValidator(spec.inputWidth(), spec.classes());
        return new Decoder() {
            @Override
            public Decoded decode(String modelId, float[] features, String text, int label, String source,
                    int partition, long offset) {
                if (features == null && text != null) {
                    return Decoded.refused(new Rejection(RejectionReason.WRONG_PAYLOAD, "the model takes "
                            + validator.featureCount() + " dense features; the event carries text instead"));
                }
                Optional<Rejection> rejection = validator.check(features, label);
                return rejection.map(Decoded::refused).orElseGet(() -> Decoded.of(
                        new TrainingExample(modelId, features, label, source, partition, offset)));
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public Optional<String> misfit(TrainingExample e) {
        boolean fits = e.features != null && e.features.length == spec.inputWidth();
        return fits && e.label >= 0 && e.label < spec.classes() ? Optional.empty()
                : Optional.of("expects " + spec.inputWidth() + " features and a label in [0, " + spec.classes() + ")");
    }

    @Override
    public Batch batch(List<TrainingExample> examples) {
        int n = examples.size();
        int width = spec.inputWidth();
        float[] features = new float[n * width];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            TrainingExample e = examples.get(i);
            System.arraycopy(e.features, 0, features, i * width, width);
            labels[i] = e.label;
        }
        return new Batch(features, labels, n, width);
    }

    @Override
    public LabeledDataset dataset(String name, List<TrainingExample> examples) {
        Batch b = batch(examples);
        return new LabeledDataset(name, b.features(), b.labels(), b.size(), spec.inputWidth(), spec.classes());
    }
}
