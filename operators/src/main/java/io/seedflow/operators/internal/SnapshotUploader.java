package io.seedflow.operators.internal;

import io.seedflow.operators.FileSystemSnapshotStore;
import io.seedflow.core.snapshot.EncodedSnapshot;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores taken snapshots on one background thread, in submission order, so the task thread never waits for the
 * file system. The task thread polls {@link #completed(String)} per model (inside that model's keyed context) and
 * only then moves the state's pointer: a checkpoint never points at a snapshot that is not completely stored.
 */
public final class SnapshotUploader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotUploader.class);
    private static final java.time.Duration CLOSE_WAIT = java.time.Duration.ofSeconds(30);

    private final FileSystemSnapshotStore store;
    private final LongSupplier clock;
    private final ExecutorService executor;
    private final Map<String, Deque<CompletableFuture<SnapshotPointer>>> inFlight = new HashMap<>();

    public SnapshotUploader(FileSystemSnapshotStore store, LongSupplier clock, String threadName) {
        this.store = store;
        this.clock = clock;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** The store it writes to (which also reads any snapshot URI: restores go through it). */
    public FileSystemSnapshotStore store() {
        return store;
    }

    /** Stores {@code snapshot} without waiting for it. */
    public void submit(EncodedSnapshot snapshot) {
        inFlight.computeIfAbsent(snapshot.modelId(), k -> new ArrayDeque<>())
                .add(CompletableFuture.supplyAsync(() -> store(snapshot), executor));
    }

    /** Stores {@code snapshot} and waits for it (the base snapshot, which every later record names). */
    public SnapshotPointer storeNow(EncodedSnapshot snapshot) {
        return store(snapshot);
    }

    /** Stores the snapshot (idempotent: same id, same bytes), streamed, and returns the pointer to it. */
    private SnapshotPointer store(EncodedSnapshot s) {
        String uri = store.store(s);
        return new SnapshotPointer(s.sha256(), uri, s.step(), s.sizeBytes(), s.weightsSha256(), clock.getAsLong());
    }

    /**
     * The model's snapshots that finished storing since the last call, in step order (possibly none). A failed upload
     * is rethrown here, on the task thread, and fails the task: the restore re-takes it.
     */
    public List<SnapshotPointer> completed(String modelId) {
        Deque<CompletableFuture<SnapshotPointer>> queue = inFlight.get(modelId);
        List<SnapshotPointer> stored = new ArrayList<>();
        while (queue != null && !queue.isEmpty() && queue.peekFirst().isDone()) {
            try {
                stored.add(queue.pollFirst().join());
            } catch (CompletionException e) {
                throw new IllegalStateException("storing a snapshot of model '" + modelId + "' in "
                        + store.directory() + " failed: " + e.getCause().getMessage(), e.getCause());
            }
        }
        return stored;
    }

    /** Waits until every submitted snapshot of {@code modelId} is stored or failed, at most {@code timeout}. */
    public void awaitAll(String modelId, java.time.Duration timeout) throws InterruptedException {
        Deque<CompletableFuture<SnapshotPointer>> queue = inFlight.get(modelId);
        if (queue == null || queue.isEmpty()) {
            return;
        }
        try {
            CompletableFuture.allOf(queue.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            // reported with its snapshot by completed()
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("storing snapshots of model '" + modelId + "' in " + store.directory()
                    + " did not finish within " + timeout, e);
        }
    }

    /**
     * Deletes the snapshots of {@code modelId} that {@code retention} allows, given the pointer step of the newest
     * completed checkpoint. Runs on the upload thread after the uploads submitted before it (so it never races a
     * write), best effort: a failure is logged and the next completed checkpoint tries again.
     */
    public CompletableFuture<List<String>> retire(String modelId, long floorStep, SnapshotRetention retention) {
        return CompletableFuture.supplyAsync(() -> {
            List<String> deleted = new ArrayList<>();
            try {
                for (FileSystemSnapshotStore.Stored s : retention.retire(store.list(modelId), floorStep,
                        clock.getAsLong())) {
                    store.delete(s.sha256());
                    deleted.add(s.sha256());
                    LOG.info("retired snapshot {} of model '{}' (step {}; checkpointed pointer at step {})", s.uri(),
                            modelId, s.step(), floorStep);
                }
            } catch (RuntimeException e) {
                LOG.warn("retiring old snapshots of model '{}' in {} failed (retried after the next checkpoint): {}",
                        modelId, store.directory(), e.getMessage());
            }
            return deleted;
        }, executor);
    }

    /** Whether snapshots of {@code modelId} are still being stored. */
    public boolean pending(String modelId) {
        Deque<CompletableFuture<SnapshotPointer>> queue = inFlight.get(modelId);
        return queue != null && !queue.isEmpty();
    }

    /**
     * Stops the upload thread: queued snapshots are dropped (a restore stores again what it needs) and the one being
     * written, if any, is waited for up to {@link #CLOSE_WAIT}, so that nothing writes into the store after the
     * operator has closed (a failover's next attempt, or a test cleaning its directory, would race with it).
     */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(CLOSE_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                LOG.warn("snapshot upload still running {} after close; it goes on in the background", CLOSE_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
