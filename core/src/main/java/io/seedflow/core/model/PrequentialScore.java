package io.seedflow.core.model;

import java.nio.ByteBuffer;

/**
 * Test-then-train scores along a stream: every example is predicted by the model as it was before training on it,
 * and counted twice, in the total and in a sliding window of the newest {@code window} examples. Small and
 * serializable ({@link #toBytes}), so a streaming trainer keeps it in checkpointed state and the scores continue
 * across restores.
 */
public final class PrequentialScore {
    private static final int FORMAT = 1;

    private final int classes;
    private final long[] total;
    private final long[] windowed;
    /** The window's examples as {@code label * classes + predicted}, a ring. */
    private final int[] ring;
    private int next;
    private int size;

    public PrequentialScore(int classes, int window) {
        if (classes < 2) {
            throw new IllegalArgumentException("prequential score: expected >= 2 classes, got " + classes);
        }
        if (window < 1) {
            throw new IllegalArgumentException("prequential window: expected >= 1 examples, got " + window);
        }
        this.classes = classes;
        this.total = new long[classes * classes];
        this.windowed = new long[classes * classes];
        this.ring = new int[window];
    }

    /**
     * One prediction as a single int, {@code label * classes + predicted} (how the window keeps it, and how a
     * data-parallel trainer's subtasks send theirs); {@link #addCell} counts it.
     */
    public static int cell(int predicted, int label, int classes) {
        return label * classes + predicted;
    }

    /** Counts a prediction given as a {@link #cell}. */
    public void addCell(int cell) {
        add(Math.floorMod(cell, classes), Math.floorDiv(cell, classes));
    }

    /** Counts one test-then-train prediction. */
    public void add(int predicted, int label) {
        if (predicted < 0 || predicted >= classes || label < 0 || label >= classes) {
            throw new IllegalArgumentException("prequential score: expected classes in [0, " + classes + "), got "
                    + "predicted " + predicted + ", label " + label);
        }
        int cell = cell(predicted, label, classes);
        total[cell]++;
        if (size == ring.length) {
            windowed[ring[next]]--;
        } else {
            size++;
        }
        ring[next] = cell;
        windowed[cell]++;
        next = (next + 1) % ring.length;
    }

    /** The newest {@code window} examples' scores. */
    public Evaluation window() {
        return new Evaluation(Double.NaN, classes, windowed);
    }

    /** The scores of every example counted. */
    public Evaluation total() {
        return new Evaluation(Double.NaN, classes, total);
    }

    public int windowCapacity() {
        return ring.length;
    }

    /** The score as bytes, for checkpointed state. */
    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(4 * 5 + 8 * total.length + 4 * ring.length);
        b.putInt(FORMAT).putInt(classes).putInt(ring.length).putInt(next).putInt(size);
        for (long t : total) {
            b.putLong(t);
        }
        for (int r : ring) {
            b.putInt(r);
        }
        return b.array();
    }

    /**
     * The score {@link #toBytes} wrote, with its window resized to {@code window} if the setting changed (the
     * newest examples are kept).
     */
    public static PrequentialScore fromBytes(byte[] bytes, int window) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int format = b.getInt();
        if (format != FORMAT) {
            throw new IllegalArgumentException("prequential score: unknown format " + format + ", expected " + FORMAT);
        }
        int classes = b.getInt();
        int capacity = b.getInt();
        int next = b.getInt();
        int size = b.getInt();
        PrequentialScore s = new PrequentialScore(classes, window);
        for (int i = 0; i < s.total.length; i++) {
            s.total[i] = b.getLong();
        }
        int[] ring = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            ring[i] = b.getInt();
        }
        // replay the old window oldest first into the new one
        int oldest = size < capacity ? 0 : next;
        for (int i = 0; i < size; i++) {
            int cell = ring[(oldest + i) % capacity];
            if (s.size == s.ring.length) {
                s.windowed[s.ring[s.next]]--;
            } else {
                s.size++;
            }
            s.ring[s.next] = cell;
            s.windowed[cell]++;
            s.next = (s.next + 1) % s.ring.length;
        }
        return s;
    }
}
