package io.seedflow.jobs.study.text;

/**
 * The encoder recipe the text study measured (docs/quality.md §6): MiniLM reading 128 tokens with a new two-class
 * head, batch 16, the head trained by its exact gradient at rate 3 (the linear probe's choice on the time-ordered
 * validation slice) and the body by ZO at 1e-5. Offline training ({@code train-offline}, {@code study}) and the email
 * demo start from it.
 */
public final class TextRecipe {
    public static final String MODEL = "encoder:all-minilm-l6-v2:2";
    public static final int BATCH = 16;
    public static final double HEAD_LEARNING_RATE = 3;
    public static final double ZO_LEARNING_RATE = 1e-5;

    private TextRecipe() {
    }
}
