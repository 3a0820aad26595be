package io.seedflow.jobs.embedded;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the demo started, closed in reverse order of starting. Closing goes on past a failure: every part gets its
 * chance to stop, and the first error is thrown with the later ones suppressed in it.
 */
final class DemoResources implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DemoResources.class);

    private record Named(String name, AutoCloseable closer) {
    }

    private final Deque<Named> started = new ArrayDeque<>();

    /** Registers {@code resource} to be closed, and returns it. */
    <T extends AutoCloseable> T add(String name, T resource) {
        started.push(new Named(name, resource));
        return resource;
    }

    /** Registers an action to run on close, e.g. cancelling a job. */
    void onClose(String name, AutoCloseable action) {
        started.push(new Named(name, action));
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        while (!started.isEmpty()) {
            Named n = started.pop();
            try {
                n.closer().close();
            } catch (Exception e) {
                Exception wrapped = new IllegalStateException("stopping the " + n.name() + ": " + e.getMessage(), e);
                if (first == null) {
                    first = wrapped;
                } else {
                    first.addSuppressed(wrapped);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Closes everything after a failed start; errors go into {@code primary} as suppressed. */
    void closeQuietly(Throwable primary) {
        try {
            close();
        } catch (Exception e) {
            primary.addSuppressed(e);
            LOG.debug("closing after a failed start", e);
        }
    }
}
