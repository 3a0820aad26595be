/**
 * One model trained data-parallel on P subtasks (issue 13, docs/scale-out.md): the trainer operator, the
 * coordinator that gathers the subtasks' loss sums per step through Flink's operator events (and, while a subtask
 * drains a bounded input, coordination requests), its checkpoint-ordering events, and a deterministic
 * router of one ordered input onto the subtasks.
 */
package io.seedflow.operators.parallel;
