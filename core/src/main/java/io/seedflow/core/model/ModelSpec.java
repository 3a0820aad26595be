package io.seedflow.core.model;

import io.seedflow.core.objective.Objectives;
import io.seedflow.core.objective.Objective;
import io.seedflow.core.tensor.TensorSpec;
import java.util.List;

/**
 * The architecture of one model of a family (the MLP, the pretrained encoder): the one seam through which the
 * trainer, the offline commands, the study, the benchmarks, the backends and the replicas see a model. Specs are
 * immutable values with a text form ({@link #toText()}) that {@link ModelSpecs#parse} reads back; the text form is
 * what snapshots and settings store. Serializable, so that a job's settings carry the parsed spec to its operators.
 */
public interface ModelSpec extends java.io.Serializable {
    /** The family prefix of the text form: "mlp", "encoder". */
    String family();

    /** The text form, e.g. {@code mlp:784x64x10:relu} or {@code encoder:all-minilm-l6-v2:2}. */
    String toText();

    /** The parameters in canonical order; a tensor's position is its tensor index (keys the perturbations). */
    List<TensorSpec> tensorSpecs();

    /**
     * The tensors of the immutable base this model's tensors decorate, in the base's canonical order; empty (the
     * default) for a family without one. A base is not part of {@link #tensorSpecs()}: it is never perturbed, never
     * updated, and a snapshot names it by its hash instead of holding it (update-log spec §2.1).
     */
    default List<TensorSpec> frozenBase() {
        return List.of();
    }

    /** The role of each tensor of {@link #tensorSpecs()}, in the same order. */
    List<TensorRole> tensorRoles();

    /** The tensor indices whose role is {@code role}, ascending. */
    default int[] tensorsWith(TensorRole role) {
        List<TensorRole> roles = tensorRoles();
        return java.util.stream.IntStream.range(0, roles.size()).filter(t -> roles.get(t) == role).toArray();
    }

    /**
     * The head's tensor indices (its weight matrix, then its bias), or an empty array when the family declares no
     * head of that shape (exactly two {@link TensorRole#HEAD} tensors, of rank 2 and 1).
     */
    default int[] headTensors() {
        int[] head = tensorsWith(TensorRole.HEAD);
        List<TensorSpec> specs = tensorSpecs();
        boolean matrixAndBias = head.length == 2 && specs.get(head[0]).rank() == 2 && specs.get(head[1]).rank() == 1;
        return matrixAndBias ? head : new int[0];
    }

    /** What one example is. */
    InputKind inputKind();

    /** Dense: features per example; tokens: the most token ids per example (longer texts are truncated). */
    int inputWidth();

    /**
     * How an event becomes an example of this model and examples a batch. The default is dense features
     * ({@link DenseInput}); a family that takes other input overrides it (the encoder: token ids of its
     * {@link #vocabulary()}).
     */
    default InputCodec inputCodec() {
        if (inputKind() != InputKind.DENSE) {
            throw new IllegalStateException("model family '" + family() + "' takes " + inputKind()
                    + " input and must bring its own input codec (override ModelSpec.inputCodec)");
        }
        return new DenseInput(this);
    }

    /**
     * The pretrained vocabulary whose tokenizer turns text into this model's token ids (a {@code TokenizerProvider}'s
     * name, e.g. {@code all-minilm-l6-v2}); empty for a model that takes no text (dense input, or token ids without a
     * vocabulary).
     */
    default java.util.Optional<String> vocabulary() {
        return java.util.Optional.empty();
    }

    /** Number of classes the head predicts. */
    int classes();

    /** A compute instance with its own buffers, for one thread, that scores its outputs by {@code objective}. */
    Model newModel(Objective objective);

    /** A compute instance trained by the default objective, softmax cross-entropy on class labels. */
    default Model newModel() {
        return newModel(Objectives.DEFAULT);
    }
}
