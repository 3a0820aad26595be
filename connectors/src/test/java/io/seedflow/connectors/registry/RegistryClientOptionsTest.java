package io.seedflow.connectors.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistryClientOptionsTest {

    @Test
    void builderAndMapAgree() {
        RegistryClientOptions built = RegistryClientOptions.builder().url("https://registry.example:8081")
                .basicAuthUserInfo("svc:s3cret").cacheCapacity(50).requestTimeoutMs(2000).build();
        RegistryClientOptions fromMap = RegistryClientOptions.fromMap(Map.of(
                RegistryClientOptions.URL, "https://registry.example:8081",
                RegistryClientOptions.BASIC_AUTH_USER_INFO, "svc:s3cret",
                RegistryClientOptions.CACHE_CAPACITY, "50",
                RegistryClientOptions.REQUEST_TIMEOUT_MS, "2000"));
        assertThat(fromMap.toString()).isEqualTo(built.toString());
        assertThat(built.basicAuthUserInfo()).contains("svc:s3cret");
        assertThat(built.cacheCapacity()).isEqualTo(50);
        assertThat(built.toString()).contains("user 'svc'").doesNotContain("s3cret");
    }

    @Test
    void defaults() {
        RegistryClientOptions o = RegistryClientOptions.builder().url("http://127.0.0.1:8081").build();
        assertThat(o.basicAuthUserInfo()).isEmpty();
        assertThat(o.cacheCapacity()).isEqualTo(RegistryClientOptions.DEFAULT_CACHE_CAPACITY);
        assertThat(o.requestTimeoutMs()).isEqualTo(RegistryClientOptions.DEFAULT_REQUEST_TIMEOUT_MS);
    }

    @Test
    void refusesWhatTheClientCannotUse() {
        assertThatThrownBy(() -> RegistryClientOptions.builder().build())
                .hasMessageStartingWith("seedflow.registry.url is required");
        assertThatThrownBy(() -> RegistryClientOptions.builder().url("mock://scope").build())
                .hasMessage("seedflow.registry.url: expected an http:// or https:// URL, got 'mock://scope'");
        assertThatThrownBy(() -> RegistryClientOptions.builder().url("http://u:p@host:8081").build())
                .hasMessageContaining("credentials in the URL are not supported")
                .hasMessageNotContaining("u:p");
        assertThatThrownBy(() -> RegistryClientOptions.builder().url("http://h").basicAuthUserInfo("token").build())
                .hasMessageStartingWith("seedflow.registry.basic-auth.user-info: expected 'user:password'")
                .hasMessageNotContaining("token");
        assertThatThrownBy(() -> RegistryClientOptions.builder().url("http://h").cacheCapacity(0).build())
                .hasMessage("seedflow.registry.cache-capacity: expected a positive integer, got 0");
        assertThatThrownBy(() -> RegistryClientOptions.fromMap(Map.of(RegistryClientOptions.URL, "http://h",
                RegistryClientOptions.CACHE_CAPACITY, "many")))
                .hasMessage("seedflow.registry.cache-capacity: expected a positive integer, got 'many'");
    }
}
