package io.seedflow.text;

import io.seedflow.core.error.InvalidTextException;
import io.seedflow.core.model.encoder.Tokenizer;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.error.PretrainedModelException;
import io.seedflow.core.error.TensorShapeMismatchException;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.encoder.EncoderSpec;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Text to token ids with a Hugging Face {@code tokenizer.json} (for MiniLM: BERT uncased WordPiece), run by DJL's
 * binding of the Rust {@code tokenizers} library. The native library ships inside the DJL jar for linux-x86_64 and
 * is unpacked to DJL's cache directory ({@code DJL_CACHE_DIR}, default {@code ~/.djl.ai}); no network is used.
 *
 * <p>The {@code padding} and {@code truncation} that MiniLM's tokenizer.json forces (both 128) are switched off:
 * {@link #encode} returns the real tokens only and truncates to its own {@code maxTokens}. Holds a native handle:
 * {@link #close()} it.
 */
public final class TextTokenizer implements Tokenizer {
    /** Default limit on a text's length in UTF-16 chars: far above any event text, below pathological inputs. */
    public static final int DEFAULT_MAX_CHARS = 100_000;

    private final HuggingFaceTokenizer tokenizer;
    private final String source;
    private final int maxChars;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, String source, int maxChars) {
        this.tokenizer = tokenizer;
        this.source = source;
        this.maxChars = maxChars;
    }

    /** The all-MiniLM-L6-v2 tokenizer, texts of at most {@link #DEFAULT_MAX_CHARS} chars. */
    public static TextTokenizer miniLm() {
        return fromResource(MiniLmResources.TOKENIZER, DEFAULT_MAX_CHARS);
    }

    /**
     * The tokenizer of an encoder's pretrained vocabulary: MiniLM's for {@code all-minilm-l6-v2}. The random
     * {@code bert-...} encoders (for tests) have no vocabulary and are refused, naming the spec.
     */
    public static TextTokenizer forEncoder(ModelSpec spec) {
        if (!spec.vocabulary().equals(java.util.Optional.of(EncoderSpec.MINILM))) {
            throw new InvalidConfigurationException("model spec", spec.toText(), "has no tokenizer: only "
                    + EncoderSpec.MINILM + " encoders take text (the random bert-... encoders take token ids)");
        }
        return miniLm();
    }

    /**
     * The tokenizer of the class path resource {@code resource} (a tokenizer.json), rejecting texts longer than
     * {@code maxChars} UTF-16 chars.
     *
     * @throws PretrainedModelException naming the resource when it is missing or not a valid tokenizer.json
     */
    public static TextTokenizer fromResource(String resource, int maxChars) {
        if (maxChars < 1) {
            throw new InvalidConfigurationException("tokenizer maxChars", maxChars, "must be >= 1");
        }
        try (InputStream in = MiniLmResources.open(resource)) {
            // no padding, no truncation: encode() truncates to the caller's maxTokens itself
            return new TextTokenizer(HuggingFaceTokenizer.newInstance(in,
                    Map.of("padding", "false", "truncation", "false", "addSpecialTokens", "true")), resource, maxChars);
        } catch (IOException | RuntimeException e) {
            if (e instanceof PretrainedModelException p) {
                throw p;
            }
            throw new PretrainedModelException("loading tokenizer from class path resource '" + resource + "': "
                    + e.getMessage(), e);
        }
    }

    @Override
    public int maxChars() {
        return maxChars;
    }

    /**
     * {@code [CLS]}, the text's tokens, {@code [SEP]}, at most {@code maxTokens} in all: a longer text keeps its first
     * {@code maxTokens - 2} tokens (as the Hugging Face truncation of a single sequence does).
     *
     * @throws InvalidTextException when the text is empty or blank, has no token, or is longer than the limit
     */
    @Override
    public int[] tokenIds(String text, int maxTokens) {
        return encode(text, maxTokens).ids();
    }

    /** Like {@link #tokenIds}, as a {@link TokenizedText}. */
    public TokenizedText encode(String text, int maxTokens) {
        if (maxTokens < 3) {
            throw new InvalidConfigurationException("maxTokens", maxTokens, "must be >= 3 ([CLS], a token, [SEP])");
        }
        if (text == null || text.isBlank()) {
            throw new InvalidTextException(InvalidTextException.Problem.EMPTY, "text is "
                    + (text == null ? "missing" : text.isEmpty() ? "empty" : "blank (" + text.length() + " whitespace chars)")
                    + "; a text needs at least one word");
        }
        if (text.length() > maxChars) {
            throw new InvalidTextException(InvalidTextException.Problem.TOO_LONG, "text has " + text.length()
                    + " chars, the tokenizer accepts at most " + maxChars + " (shorten it or raise the limit)");
        }
        long[] all = tokenizer.encode(text).getIds();
        if (all.length <= 2) {
            throw new InvalidTextException(InvalidTextException.Problem.EMPTY, "text of " + text.length()
                    + " chars has no token in the vocabulary of " + source + " (only whitespace or control chars)");
        }
        int n = Math.min(all.length, maxTokens);
        int[] ids = new int[n];
        for (int i = 0; i < n - 1; i++) {
            ids[i] = Math.toIntExact(all[i]);
        }
        ids[n - 1] = Math.toIntExact(all[all.length - 1]);
        return new TokenizedText(ids);
    }

    /**
     * A data set of tokenized texts for {@link LabeledDataset#ofTokens}: ids padded with 0 ([PAD]) to
     * {@code maxTokens} per text, row-major, with each text's real token count.
     */
    public LabeledDataset dataset(String name, List<String> texts, int[] labels, int maxTokens, int classes) {
        if (texts.size() != labels.length) {
            throw new TensorShapeMismatchException("data set '" + name + "': " + texts.size() + " texts need "
                    + texts.size() + " labels, got " + labels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new InvalidConfigurationException("label of text " + i + " of '" + name + "'", labels[i],
                        "must be in 0.." + (classes - 1));
            }
        }
        PaddedTokens t = pad(texts, maxTokens, i -> "text " + i + " of '" + name + "'");
        return LabeledDataset.ofTokens(name, t.ids(), t.counts(), labels.clone(), maxTokens, classes);
    }

    /**
     * The texts as one unlabeled batch (labels 0) for prediction, tokenized and padded exactly as {@link #dataset}
     * does for training.
     *
     * @param textName how a text is named in errors, by its index (e.g. {@code texts[3]})
     * @throws InvalidTextException naming the first text that cannot be tokenized
     */
    public Batch batch(List<String> texts, int maxTokens, IntFunction<String> textName) {
        PaddedTokens t = pad(texts, maxTokens, textName);
        return Batch.ofTokens(t.ids(), t.counts(), new int[texts.size()], maxTokens);
    }

    /** Token ids padded with 0 ([PAD]) to {@code maxTokens} per text, row-major, and each text's real count. */
    private record PaddedTokens(int[] ids, int[] counts) {
    }

    private PaddedTokens pad(List<String> texts, int maxTokens, IntFunction<String> textName) {
        int[] ids = new int[texts.size() * maxTokens];
        int[] counts = new int[texts.size()];
        for (int i = 0; i < texts.size(); i++) {
            int[] t;
            try {
                t = encode(texts.get(i), maxTokens).ids();
            } catch (InvalidTextException e) {
                throw new InvalidTextException(e.problem(), textName.apply(i) + ": " + e.getMessage());
            }
            System.arraycopy(t, 0, ids, i * maxTokens, t.length);
            counts[i] = t.length;
        }
        return new PaddedTokens(ids, counts);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
