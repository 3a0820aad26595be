package io.seedflow.jobs.cli;

import io.seedflow.connectors.registry.RegistryClientOptions;
import picocli.CommandLine.Option;

/**
 * The flags every command that talks to Kafka and the schema registry shares (a picocli mixin): where Kafka is,
 * where the registry is, and its credentials, from the flag or else the environment, so they need not appear on a
 * command line.
 */
public final class KafkaRegistryOptions {
    /** Environment variable read for the registry credentials when --registry-user-info is not given. */
    public static final String REGISTRY_USER_INFO_ENV = "SEEDFLOW_REGISTRY_USER_INFO";

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers, host:port,...")
    String bootstrapServers;

    @Option(names = "--registry-url", required = true, description = "Confluent schema registry URL.")
    String registryUrl;

    @Option(names = "--registry-user-info", description = "Registry basic auth user:password (default: env "
            + REGISTRY_USER_INFO_ENV + ", else none).")
    String registryUserInfo;

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The registry client settings; validated by {@link RegistryClientOptions.Builder#build()}. */
    public RegistryClientOptions registry() {
        String userInfo = registryUserInfo != null ? registryUserInfo : System.getenv(REGISTRY_USER_INFO_ENV);
        RegistryClientOptions.Builder b = RegistryClientOptions.builder().url(registryUrl);
        if (userInfo != null && !userInfo.isBlank()) {
            b.basicAuthUserInfo(userInfo);
        }
        return b.build();
    }
}
