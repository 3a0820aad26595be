package io.seedflow.connectors.registry;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Optional;

/**
 * Immutable settings for {@link ConfluentRegistryClient}: where the Confluent-REST-compatible schema registry is and
 * how to authenticate. The builder and {@link #fromMap(Map)} share one validation path.
 */
public final class RegistryClientOptions {
    /** Base URL of the registry, e.g. {@code https://registry.example:8081}. */
    public static final String URL = "seedflow.registry.url";
    /** Optional HTTP basic-auth credentials as {@code user:password}. */
    public static final String BASIC_AUTH_USER_INFO = "seedflow.registry.basic-auth.user-info";
    /** How many schemas the client caches per subject and by id. */
    public static final String CACHE_CAPACITY = "seedflow.registry.cache-capacity";
    public static final int DEFAULT_CACHE_CAPACITY = 1000;
    /** Connect and read timeout of each HTTP request to the registry, in milliseconds. */
    public static final String REQUEST_TIMEOUT_MS = "seedflow.registry.request-timeout-ms";
    public static final int DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

    private final String url;
    private final String basicAuthUserInfo; // nullable
    private final int cacheCapacity;
    private final int requestTimeoutMs;

    private RegistryClientOptions(Builder b) {
        this.url = b.url;
        this.basicAuthUserInfo = b.basicAuthUserInfo;
        this.cacheCapacity = b.cacheCapacity;
        this.requestTimeoutMs = b.requestTimeoutMs;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Reads the {@code seedflow.registry.*} keys; unknown keys are ignored, the rest validated as by the builder. */
    public static RegistryClientOptions fromMap(Map<String, String> config) {
        Builder b = builder().url(config.get(URL));
        if (config.containsKey(BASIC_AUTH_USER_INFO)) {
            b.basicAuthUserInfo(config.get(BASIC_AUTH_USER_INFO));
        }
        if (config.containsKey(CACHE_CAPACITY)) {
            b.cacheCapacity(positiveInt(CACHE_CAPACITY, config.get(CACHE_CAPACITY)));
        }
        if (config.containsKey(REQUEST_TIMEOUT_MS)) {
            b.requestTimeoutMs(positiveInt(REQUEST_TIMEOUT_MS, config.get(REQUEST_TIMEOUT_MS)));
        }
        return b.build();
    }

    private static int positiveInt(String key, String raw) {
        try {
            return Integer.parseInt(raw.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(key + ": expected a positive integer, got '" + raw + "'");
        }
    }

    public String url() {
        return url;
    }

    public Optional<String> basicAuthUserInfo() {
        return Optional.ofNullable(basicAuthUserInfo);
    }

    public int cacheCapacity() {
        return cacheCapacity;
    }

    public int requestTimeoutMs() {
        return requestTimeoutMs;
    }

    @Override
    public String toString() {
        return "RegistryClientOptions{url=" + url + ", basicAuth=" + (basicAuthUserInfo == null ? "none"
                : "user '" + basicAuthUserInfo.substring(0, basicAuthUserInfo.indexOf(':')) + "'")
                + ", cacheCapacity=" + cacheCapacity + ", requestTimeoutMs=" + requestTimeoutMs + "}";
    }

    /** Collects settings; {@link #build()} validates them all at once. */
    public static final class Builder {
        private String url;
        private String basicAuthUserInfo;
        private int cacheCapacity = DEFAULT_CACHE_CAPACITY;
        private int requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;

        private Builder() {
        }

        public Builder url(String url) {
            this.url = url;
            return this;
        }

        public Builder basicAuthUserInfo(String userColonPassword) {
            this.basicAuthUserInfo = userColonPassword;
            return this;
        }

        public Builder cacheCapacity(int cacheCapacity) {
            this.cacheCapacity = cacheCapacity;
            return this;
        }

        public Builder requestTimeoutMs(int requestTimeoutMs) {
            this.requestTimeoutMs = requestTimeoutMs;
            return this;
        }

        public RegistryClientOptions build() {
            sanityCheck();
            return new RegistryClientOptions(this);
        }

        private void sanityCheck() {
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException(URL + " is required: the base URL of a Confluent-compatible schema "
                        + "registry, e.g. http://127.0.0.1:8081");
            }
            url = url.trim();
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(URL + ": '" + url + "' is not a valid URL: " + e.getMessage(), e);
            }
            if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
                throw new IllegalArgumentException(URL + ": expected an http:// or https:// URL, got '" + url + "'");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException(URL + ": '" + url + "' names no host");
            }
            if (uri.getRawUserInfo() != null) {
                throw new IllegalArgumentException(URL + ": credentials in the URL are not supported; put them in "
                        + BASIC_AUTH_USER_INFO + " as user:password");
            }
            if (basicAuthUserInfo != null && basicAuthUserInfo.indexOf(':') <= 0) {
                // never echo the value: it may be a secret
                throw new IllegalArgumentException(BASIC_AUTH_USER_INFO + ": expected 'user:password' with a non-empty "
                        + "user, got a value of " + basicAuthUserInfo.length() + " characters without one");
            }
            if (cacheCapacity <= 0) {
                throw new IllegalArgumentException(CACHE_CAPACITY + ": expected a positive integer, got "
                        + cacheCapacity);
            }
            if (requestTimeoutMs <= 0) {
                throw new IllegalArgumentException(REQUEST_TIMEOUT_MS + ": expected a positive number of milliseconds, "
                        + "got " + requestTimeoutMs);
            }
        }
    }
}
