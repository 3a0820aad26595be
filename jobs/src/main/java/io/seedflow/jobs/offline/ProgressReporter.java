package io.seedflow.jobs.offline;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A terminal progress bar over steps (or plain periodic lines when disabled, e.g. in CI logs). */
final class ProgressReporter implements AutoCloseable {
    private final ProgressBar bar;
    private final long total;
    private final long startNanos = System.nanoTime();

    ProgressReporter(String task, long total, boolean enabled) {
        this.total = total;
        this.bar = enabled ? new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).showSpeed().build() : null;
    }

    void step(long done, String message) {
        if (bar != null) {
            bar.stepTo(done);
            bar.setExtraMessage("  " + message);
        }
    }

    void milestone(long done, String message) {
        if (bar == null) {
            double s = (System.nanoTime() - startNanos) / 1e9;
            System.out.printf("  step %d/%d  %s  (%.1f s)%n", done, total, message, s);
        } else {
            step(done, message);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
