package io.seedflow.core.model.encoder;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.InputCodec;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.Model;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.model.TensorRole;
import io.seedflow.core.objective.Objective;
import io.seedflow.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A BERT-style text encoder with a classification head: token + position + type embeddings and LayerNorm, then
 * {@code layers} post-LayerNorm blocks (multi-head self-attention with {@code heads} heads, a GELU feed-forward of
 * width {@code ffn}), mean pooling over the real tokens, and a linear head to {@code classes} logits.
 *
 * <p>Text forms: {@code encoder:all-minilm-l6-v2:<classes>[:<maxTokens>][:cosine]} (the pretrained
 * sentence-transformers MiniLM-L6, 6 x 384, 12 heads, FFN 1536, vocabulary 30,522, weights from a
 * {@link PretrainedWeightsProvider}) and, for tests,
 * {@code encoder:bert-L<layers>-H<hidden>-A<heads>-F<ffn>-V<vocab>-P<positions>:<classes>[:<maxTokens>][:cosine]}
 * (random weights from the init seed). {@code maxTokens} defaults to 128 or the position count if that is smaller,
 * and is at most the position count. {@code cosine} makes the head's input the mean-pooled embedding scaled to unit
 * length (the space all-MiniLM-L6-v2 was trained in, by cosine similarity): the head is then a similarity to one
 * direction per class (prototypes) plus a bias; the tensors do not change.
 *
 * <p>Canonical tensor order (the tensor index keys the perturbations; spec §9): {@code embeddings.word [V, H]},
 * {@code embeddings.position [P, H]}, {@code embeddings.type [2, H]}, {@code embeddings.norm.weight [H]},
 * {@code embeddings.norm.bias [H]}, then for each layer l: {@code layers.l.query.weight [H, H]},
 * {@code .query.bias [H]}, {@code .key.weight}, {@code .key.bias}, {@code .value.weight}, {@code .value.bias},
 * {@code .attention_out.weight [H, H]}, {@code .attention_out.bias}, {@code .attention_norm.weight},
 * {@code .attention_norm.bias}, {@code .ffn_in.weight [H, F]}, {@code .ffn_in.bias [F]}, {@code .ffn_out.weight [F, H]},
 * {@code .ffn_out.bias [H]}, {@code .ffn_norm.weight}, {@code .ffn_norm.bias}; last {@code head.weight [H, C]} and
 * {@code head.bias [C]}. Every matrix is stored {@code [in, out]} row-major: y = x W + b.
 */
public record EncoderSpec(String pretrained, int layers, int hidden, int heads, int ffn, int vocab, int positions,
        int classes, int maxTokens, boolean cosine) implements ModelSpec {
    public static final String FAMILY = "encoder";
    public static final String MINILM = "all-minilm-l6-v2";
    public static final String FORM = "encoder:all-minilm-l6-v2:<classes>[:<maxTokens>][:cosine] or "
            + "encoder:bert-L<layers>-H<hidden>-A<heads>-F<ffn>-V<vocab>-P<positions>:<classes>[:<maxTokens>][:cosine]";
    /** The text form's last piece that makes the head's input unit-length ({@link #cosine()}). */
    public static final String COSINE = "cosine";
    /** Token type vocabulary of BERT (sentence A / B); SeedFlow feeds type 0. */
    public static final int TYPES = 2;
    /** LayerNorm epsilon of BERT (and of the MiniLM ONNX graph). */
    public static final float LAYER_NORM_EPSILON = 1e-12f;
    public static final int DEFAULT_MAX_TOKENS = 128;
    /** Tensors per encoder block, and before the first block. */
    public static final int PER_LAYER = 16;
    public static final int EMBEDDING_TENSORS = 5;

    private static final Pattern RANDOM = Pattern.compile("bert-L(\\d+)-H(\\d+)-A(\\d+)-F(\\d+)-V(\\d+)-P(\\d+)");

    public EncoderSpec {
        check(layers >= 1, "layers", layers, ">= 1");
        check(hidden >= 1, "hidden", hidden, ">= 1");
        check(heads >= 1 && hidden % heads == 0, "heads", heads, ">= 1 and dividing hidden " + hidden);
        check(ffn >= 1, "ffn", ffn, ">= 1");
        check(vocab >= 2, "vocab", vocab, ">= 2");
        check(positions >= 1, "positions", positions, ">= 1");
        check(classes >= 2, "classes", classes, ">= 2");
        check(maxTokens >= 1 && maxTokens <= positions, "maxTokens", maxTokens, "in 1.." + positions);
    }

    /** all-MiniLM-L6-v2 with a head of {@code classes} classes, texts cut at {@code maxTokens} tokens. */
    public static EncoderSpec miniLm(int classes, int maxTokens) {
        return new EncoderSpec(MINILM, 6, 384, 12, 1536, 30522, 512, classes, maxTokens, false);
    }

    /** This spec with the head's input scaled to unit length ({@link #cosine()}) or not. */
    public EncoderSpec withCosine(boolean unitLength) {
        return new EncoderSpec(pretrained, layers, hidden, heads, ffn, vocab, positions, classes, maxTokens, unitLength);
    }

    public static EncoderSpec parse(String text) {
        String[] parts = text.split(":", -1);
        boolean cosine = parts.length >= 4 && parts[parts.length - 1].equals(COSINE);
        int pieces = cosine ? parts.length - 1 : parts.length; // before the cosine flag
        if (pieces < 3 || pieces > 4 || !parts[0].equals(FAMILY)) {
            throw new InvalidConfigurationException("model spec", text, "expected " + FORM);
        }
        int classes = ModelSpecs.number(text, parts[2], "classes");
        try {
            if (parts[1].equals(MINILM)) {
                return miniLm(classes, pieces == 4 ? ModelSpecs.number(text, parts[3], "maxTokens")
                        : DEFAULT_MAX_TOKENS).withCosine(cosine);
            }
            Matcher m = RANDOM.matcher(parts[1]);
            if (m.matches()) {
                int positions = ModelSpecs.number(text, m.group(6), "positions");
                int maxTokens = pieces == 4 ? ModelSpecs.number(text, parts[3], "maxTokens")
                        : defaultMaxTokens(positions);
                return new EncoderSpec(null, ModelSpecs.number(text, m.group(1), "layers"),
                        ModelSpecs.number(text, m.group(2), "hidden"), ModelSpecs.number(text, m.group(3), "heads"),
                        ModelSpecs.number(text, m.group(4), "ffn"), ModelSpecs.number(text, m.group(5), "vocab"),
                        positions, classes, maxTokens, cosine);
            }
        } catch (InvalidConfigurationException e) {
            throw new InvalidConfigurationException("model spec", text, e.getMessage());
        }
        throw new InvalidConfigurationException("model spec", text, "unknown encoder '" + parts[1]
                + "'; expected " + MINILM + " or bert-L<layers>-H<hidden>-A<heads>-F<ffn>-V<vocab>-P<positions>");
    }

    /** The token limit when the spec names none: {@link #DEFAULT_MAX_TOKENS}, or every position of a shorter model. */
    public static int defaultMaxTokens(int positions) {
        return Math.min(DEFAULT_MAX_TOKENS, positions);
    }

    private static void check(boolean ok, String what, int value, String expected) {
        if (!ok) {
            throw new InvalidConfigurationException("encoder " + what, value, "must be " + expected);
        }
    }

    @Override
    public String family() {
        return FAMILY;
    }

    @Override
    public String toText() {
        String name = pretrained != null ? pretrained
                : "bert-L" + layers + "-H" + hidden + "-A" + heads + "-F" + ffn + "-V" + vocab + "-P" + positions;
        return FAMILY + ":" + name + ":" + classes + (maxTokens == defaultMaxTokens(positions) ? "" : ":" + maxTokens)
                + (cosine ? ":" + COSINE : "");
    }

    @Override
    public List<TensorSpec> tensorSpecs() {
        List<TensorSpec> t = new ArrayList<>();
        t.add(new TensorSpec("embeddings.word", new int[] {vocab, hidden}));
        t.add(new TensorSpec("embeddings.position", new int[] {positions, hidden}));
        t.add(new TensorSpec("embeddings.type", new int[] {TYPES, hidden}));
        t.add(new TensorSpec("embeddings.norm.weight", new int[] {hidden}));
        t.add(new TensorSpec("embeddings.norm.bias", new int[] {hidden}));
        for (int l = 0; l < layers; l++) {
            String p = "layers." + l + ".";
            for (String proj : new String[] {"query", "key", "value", "attention_out"}) {
                t.add(new TensorSpec(p + proj + ".weight", new int[] {hidden, hidden}));
                t.add(new TensorSpec(p + proj + ".bias", new int[] {hidden}));
            }
            t.add(new TensorSpec(p + "attention_norm.weight", new int[] {hidden}));
            t.add(new TensorSpec(p + "attention_norm.bias", new int[] {hidden}));
            t.add(new TensorSpec(p + "ffn_in.weight", new int[] {hidden, ffn}));
            t.add(new TensorSpec(p + "ffn_in.bias", new int[] {ffn}));
            t.add(new TensorSpec(p + "ffn_out.weight", new int[] {ffn, hidden}));
            t.add(new TensorSpec(p + "ffn_out.bias", new int[] {hidden}));
            t.add(new TensorSpec(p + "ffn_norm.weight", new int[] {hidden}));
            t.add(new TensorSpec(p + "ffn_norm.bias", new int[] {hidden}));
        }
        t.add(new TensorSpec("head.weight", new int[] {hidden, classes}));
        t.add(new TensorSpec("head.bias", new int[] {classes}));
        return t;
    }

    /** {@code head.weight} and {@code head.bias} are the head; the embeddings and blocks are the body. */
    @Override
    public List<TensorRole> tensorRoles() {
        List<TensorRole> roles = new ArrayList<>(java.util.Collections.nCopies(headTensor(), TensorRole.BODY));
        roles.add(TensorRole.HEAD);
        roles.add(TensorRole.HEAD);
        return roles;
    }

    /** Index of the first tensor of block {@code layer} in the canonical order. */
    public int layerTensor(int layer) {
        return EMBEDDING_TENSORS + PER_LAYER * layer;
    }

    /** Index of {@code head.weight} (the bias follows). */
    public int headTensor() {
        return EMBEDDING_TENSORS + PER_LAYER * layers;
    }

    /** Size of one attention head. */
    public int headSize() {
        return hidden / heads;
    }

    @Override
    public InputKind inputKind() {
        return InputKind.TOKENS;
    }

    @Override
    public int inputWidth() {
        return maxTokens;
    }

    /** Texts tokenized by the encoder's vocabulary. */
    @Override
    public InputCodec inputCodec() {
        return new TokenInput(this);
    }

    /** The pretrained encoder's own vocabulary; the random {@code bert-...} encoders have none. */
    @Override
    public java.util.Optional<String> vocabulary() {
        return java.util.Optional.ofNullable(pretrained);
    }

    @Override
    public Model newModel(Objective objective) {
        return new EncoderModel(this, EncoderKernels.get(), objective);
    }

    @Override
    public String toString() {
        return toText();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncoderSpec e && Objects.equals(e.pretrained, pretrained) && e.layers == layers
                && e.hidden == hidden && e.heads == heads && e.ffn == ffn && e.vocab == vocab
                && e.positions == positions && e.classes == classes && e.maxTokens == maxTokens && e.cosine == cosine;
    }

    @Override
    public int hashCode() {
        return Objects.hash(pretrained, layers, hidden, heads, ffn, vocab, positions, classes, maxTokens, cosine);
    }
}
