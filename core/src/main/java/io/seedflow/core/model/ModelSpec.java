package io.seedflow.core.model;

import io.seedflow.core.tensor.TensorSpec;
import java.util.List;

/**
 * The architecture of one model of a family (the MLP, the pretrained encoder): the one seam through which the
 * trainer, the offline commands, the study, the benchmarks, the backends and the replicas see a model. Specs are
 * immutable values with a text form ({@link #toText()}) that {@link ModelSpecs#parse} reads back; the text form is
 * what snapshots and settings store.
 */
public interface ModelSpec {
    /** The family prefix of the text form: "mlp", "encoder". */
    String family();

    /** The text form, e.g. {@code mlp:784x64x10:relu} or {@code encoder:all-minilm-l6-v2:2}. */
    String toText();

    /** The parameters in canonical order; a tensor's position is its tensor index (keys the perturbations). */
    List<TensorSpec> tensorSpecs();

    /** What one example is. */
    InputKind inputKind();

    /** Dense: features per example; tokens: the most token ids per example (longer texts are truncated). */
    int inputWidth();

    /** Number of classes the head predicts. */
    int classes();

    /** A compute instance with its own buffers, for one thread. */
    Model newModel();
}
