package io.seedflow.jobs.embedded;

/**
 * Holds a producer to a target rate on average: event {@code n} is due at {@code start + n / rate}, and
 * {@link #awaitNext()} sleeps until the next event is due. A producer that fell behind (a slow broker, a GC pause)
 * catches up at full speed, but by at most {@code maxBurst} events, so a long stall does not turn into a flood.
 */
final class RatePacer {
    private final double nanosPerEvent;
    private final long maxBurst;
    private long origin;
    private long issued;

    /** @param eventsPerSecond the target rate, 0 for no limit */
    RatePacer(double eventsPerSecond, long maxBurst) {
        if (!(eventsPerSecond >= 0) || Double.isInfinite(eventsPerSecond)) {
            throw new IllegalArgumentException("rate: expected events per second >= 0 (0 = no limit), got "
                    + eventsPerSecond);
        }
        this.nanosPerEvent = eventsPerSecond == 0 ? 0 : 1e9 / eventsPerSecond;
        this.maxBurst = Math.max(1, maxBurst);
        this.origin = System.nanoTime();
    }

    /** Blocks until the next event may be sent. */
    void awaitNext() throws InterruptedException {
        if (nanosPerEvent == 0) {
            return;
        }
        long now = System.nanoTime();
        long due = origin + (long) (issued * nanosPerEvent);
        long behind = now - due;
        if (behind > maxBurst * nanosPerEvent) {
            // fell far behind: forget the missed events instead of sending them all at once
            origin = now - (long) (issued * nanosPerEvent) - (long) (maxBurst * nanosPerEvent);
        } else if (behind < 0) {
            long wait = -behind;
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        issued++;
    }
}
