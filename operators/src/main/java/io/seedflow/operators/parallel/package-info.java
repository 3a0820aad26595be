/**
 * One model trained data-parallel on P subtasks (issue 13, docs/scale-out.md): the trainer operator, the
 * coordinator that gathers the subtasks' loss sums per step through Flink's operator events (and, while a subtask
 * drains a bounded input, coordination requests), its checkpoint-ordering events, the numbering of a model's
 * examples and the deterministic router of the numbered examples onto the subtasks ({@link
 * io.seedflow.operators.parallel.DataParallelTraining} puts them together).
 */
package io.seedflow.operators.parallel;
