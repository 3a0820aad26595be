package io.seedflow.connectors.kafka;

import io.seedflow.connectors.registry.ConfluentRegistryClient;
import io.seedflow.connectors.registry.RegistryClientOptions;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link RegistryClientOptions} as a plain string map, the form Flink functions carry to the task managers (the
 * options object itself is not serializable); {@link RegistryClientOptions#fromMap} rebuilds and revalidates it.
 */
final class RegistrySettings {
    private RegistrySettings() {
    }

    static HashMap<String, String> toMap(RegistryClientOptions options) {
        HashMap<String, String> m = new HashMap<>();
        m.put(RegistryClientOptions.URL, options.url());
        options.basicAuthUserInfo().ifPresent(u -> m.put(RegistryClientOptions.BASIC_AUTH_USER_INFO, u));
        m.put(RegistryClientOptions.CACHE_CAPACITY, Integer.toString(options.cacheCapacity()));
        m.put(RegistryClientOptions.REQUEST_TIMEOUT_MS, Integer.toString(options.requestTimeoutMs()));
        return m;
    }

    static RegistryClientOptions fromMap(Map<String, String> map) {
        return RegistryClientOptions.fromMap(map);
    }

    /**
     * One registry client per distinct settings for the sinks' serializers, which Flink never closes: sharing it
     * per class loader (i.e. per job on a task manager) keeps restarts from piling up clients and caches.
     */
    static ConfluentRegistryClient sharedClient(Map<String, String> map) {
        return SHARED.computeIfAbsent(Map.copyOf(map), m -> ConfluentRegistryClient.create(fromMap(m)));
    }

    private static final java.util.concurrent.ConcurrentHashMap<Map<String, String>, ConfluentRegistryClient> SHARED =
            new java.util.concurrent.ConcurrentHashMap<>();
}
