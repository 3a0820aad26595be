package io.seedflow.core.model.encoder;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.data.TextExampleValidator;
import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.InputCodec;
import io.seedflow.core.model.ModelSpec;
import java.util.List;
import java.util.Optional;

/**
 * Texts tokenized once, when decoded, by the model's vocabulary ({@link Tokenizers}, checked by
 * {@link TextExampleValidator}); an example is then 1 to {@link ModelSpec#inputWidth()} token ids, padded with 0 in a
 * batch.
 */
public final class TokenInput implements InputCodec {
    private final ModelSpec spec;

    public TokenInput(ModelSpec spec) {
        this.spec = spec;
    }

    @Override
    public void requireDecodable() {
        Tokenizers.requireVocabulary(spec);
    }

    @Override
    public Decoder decoder(int maxTextChars) {
        Tokenizer tokenizer = Tokenizers.open(spec, maxTextChars);
        TextExampleValidator validator = new TextExampleValidator(spec.classes(), spec.inputWidth(), maxTextChars);
        return new Decoder() {
            @Override
            public Decoded decode(String modelId, float[] features, String text, int label, String source,
                    int partition, long offset) {
                TextExampleValidator.Checked checked = validator.check(features, text, label, tokenizer);
                return checked.refused().map(Decoded::refused).orElseGet(() -> Decoded.of(
                        TrainingExample.ofTokens(modelId, checked.tokenIds(), label, source, partition, offset)));
            }

            @Override
            public void close() {
                tokenizer.close();
            }
        };
    }

    @Override
    public Optional<String> misfit(TrainingExample e) {
        boolean fits = e.tokenIds != null && e.tokenIds.length >= 1 && e.tokenIds.length <= spec.inputWidth();
        return fits && e.label >= 0 && e.label < spec.classes() ? Optional.empty()
                : Optional.of("expects 1 to " + spec.inputWidth() + " token ids and a label in [0, " + spec.classes()
                        + ")");
    }

    @Override
    public Batch batch(List<TrainingExample> examples) {
        Tokens t = tokens(examples);
        return Batch.ofTokens(t.ids, t.counts, t.labels, spec.inputWidth());
    }

    @Override
    public LabeledDataset dataset(String name, List<TrainingExample> examples) {
        Tokens t = tokens(examples);
        return LabeledDataset.ofTokens(name, t.ids, t.counts, t.labels, spec.inputWidth(), spec.classes());
    }

    private record Tokens(int[] ids, int[] counts, int[] labels) {
    }

    private Tokens tokens(List<TrainingExample> examples) {
        int n = examples.size();
        int maxTokens = spec.inputWidth();
        int[] ids = new int[n * maxTokens];
        int[] counts = new int[n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            TrainingExample e = examples.get(i);
            System.arraycopy(e.tokenIds, 0, ids, i * maxTokens, e.tokenIds.length);
            counts[i] = e.tokenIds.length;
            labels[i] = e.label;
        }
        return new Tokens(ids, counts, labels);
    }
}
