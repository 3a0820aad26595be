package io.seedflow.core.model;

/**
 * What a tensor is to training, declared by its model family ({@link ModelSpec#tensorRoles()}). Masks, tensor
 * selection and the exact head ask for roles, never for positions, so a family may append tensors (adapters) after
 * its head without moving anyone's head.
 */
public enum TensorRole {
    /** The body: trained by ZO unless a setting leaves it out. */
    BODY,
    /**
     * The head: a weight matrix followed by its bias, the tensors whose exact gradient an objective can give (the
     * exact head, {@code seedflow.zo.head-learning-rate}); otherwise trained by ZO like the body.
     */
    HEAD,
    /** A small trainable tensor that decorates a body (LoRA); trained by ZO. */
    ADAPTER
    // a frozen base is not a role: its tensors are not among the model's tensors at all (ModelSpec.frozenBase())
}
