/**
 * Flink operators (thin adapters that own state, timers and metrics and call core): not built yet. The streaming
 * issue adds the trainer operator here. Nothing in this module claims to work yet.
 */
package io.seedflow.operators;
