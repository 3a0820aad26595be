package io.seedflow.core.model;

/** What a model family takes as one example: dense floats (the MLP) or token ids of a text (the encoder). */
public enum InputKind {
    /** {@link Batch#features()}: {@link ModelSpec#inputWidth()} floats per example. */
    DENSE,
    /** {@link Batch#tokenIds()} and {@link Batch#tokenCounts()}: at most {@link ModelSpec#inputWidth()} ids. */
    TOKENS
}
