package io.seedflow.core.model;

/** Accuracy and mean loss of a model on a labeled set. */
public record Evaluation(double accuracy, double meanLoss, int examples) {
}
