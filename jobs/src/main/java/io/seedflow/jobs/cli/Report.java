package io.seedflow.jobs.cli;

import io.seedflow.jobs.offline.LearningCurve;
import io.seedflow.jobs.offline.ZoOfflineTraining;

/** Prints the summary of an offline run. */
final class Report {
    private Report() {
    }

    static void print(String algorithm, ZoOfflineTraining.Result r) {
        LearningCurve.Point last = r.curve().last();
        System.out.printf("%s: %d steps in %.1f s (%.1f steps/s), final test accuracy %.4f%s, skipped %d%n", algorithm,
                r.steps(), r.trainSeconds(), r.stepsPerSecond(), last.testAccuracy(),
                ZoOfflineTraining.binaryF1(r.finalEvaluation()).replace("  test", ", test"), r.skippedSteps());
        System.out.println("base snapshot:  " + r.baseSnapshot().path());
        if (r.updateLog() != null) {
            System.out.println("update log:     " + r.updateLog());
            System.out.printf("update record:  %.1f bytes mean Avro body, %d max%n", r.meanRecordBytes(),
                    r.maxRecordBytes());
        }
        System.out.println("final snapshot: " + r.finalSnapshot().path());
        System.out.println("weights-sha256=" + r.finalSnapshot().weightsSha256());
    }
}
