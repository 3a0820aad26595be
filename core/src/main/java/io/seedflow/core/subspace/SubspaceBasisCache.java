package io.seedflow.core.subspace;

import io.seedflow.core.tensor.TensorSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last few {@link SubspaceBasis} results by window: every record of a window carries the same window, so a
 * replica computes each basis once. Thread-safe; a pure cache (a miss recomputes the same bits).
 */
public final class SubspaceBasisCache {
    private static final int CAPACITY = 4;
    private static final SubspaceBasisCache SHARED = new SubspaceBasisCache();

    private record Key(List<TensorSpec> specs, SubspaceCorrection.Window window) {
    }

    private final Map<Key, SubspaceBasis> entries = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, SubspaceBasis> eldest) {
            return size() > CAPACITY;
        }
    };

    public static SubspaceBasisCache shared() {
        return SHARED;
    }

    public SubspaceBasis get(List<TensorSpec> specs, SubspaceCorrection.Window window) {
        Key key = new Key(specs, window);
        synchronized (entries) {
            SubspaceBasis hit = entries.get(key);
            if (hit != null) {
                return hit;
            }
        }
        SubspaceBasis basis = SubspaceBasis.compute(specs, window);
        synchronized (entries) {
            entries.put(key, basis);
        }
        return basis;
    }
}
