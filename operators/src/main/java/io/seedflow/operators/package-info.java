/**
 * Flink operators and functions: thin adapters that own state, timers and metrics and make one call into core per
 * batch. {@link io.seedflow.operators.ZoTrainerFunction} is the trainer (keyed by model id) with its input type
 * {@link io.seedflow.core.data.TrainingExample} (in core, shared with the connectors' decode stage) and settings {@link io.seedflow.operators.ZoTrainerOptions};
 * implementation classes live in {@code io.seedflow.operators.internal}.
 */
package io.seedflow.operators;
