package io.seedflow.jobs.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginUtils;
import picocli.CommandLine.Option;

/**
 * The object-store settings of a process that reads or writes snapshots itself ({@code seedflow replica}, and
 * {@code seedflow run} on its local mini cluster): Flink's own {@code s3.*} keys, the same ones a cluster sets in its
 * Flink configuration. Credentials are not flags: the S3 file system reads {@code AWS_ACCESS_KEY_ID} and
 * {@code AWS_SECRET_ACCESS_KEY} from the environment (or an instance role), like the trainer's pods.
 *
 * <p>{@link #initializeFileSystems()} loads Flink's file systems with these settings, plugins included: Flink's S3
 * file system bundles unrelocated Hadoop, AWS SDK, Guava and Jackson, so it lives in a plugin folder
 * ({@code $FLINK_PLUGINS_DIR/s3-fs-hadoop/}, default {@code plugins/} under the working directory; the image has it
 * in {@code /opt/flink/plugins}) and never on the jar's class path.
 */
final class ObjectStoreOptions {
    private static final String AWS_SDK_V1_NOTICE = "aws.java.v1.disableDeprecationAnnouncement";

    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "S3-compatible endpoint (MinIO, Ceph, S3Proxy, ...), Flink's s3.endpoint; default: AWS S3.")
    String s3Endpoint;

    @Option(names = "--s3-path-style-access", paramLabel = "true|false", arity = "1",
            description = "Path-style bucket addressing (most non-AWS stores need it), Flink's s3.path.style.access.")
    Boolean s3PathStyleAccess;

    @Option(names = "--s3-conf", paramLabel = "KEY=VALUE",
            description = "Any other setting of Flink's S3 file system (repeatable), keys starting with s3., e.g. "
                    + "s3.retry.limit=3 or s3.connection.maximum=64 (Hadoop's fs.s3a.* options without fs.s3a.).")
    Map<String, String> s3Conf = new LinkedHashMap<>();

    /** The Flink configuration these flags stand for. */
    Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s3Conf.forEach((k, v) -> {
            if (!k.startsWith("s3.")) {
                throw new IllegalArgumentException("--s3-conf " + k + "=" + v + ": expected a key starting with "
                        + "'s3.' (Flink's S3 file system settings), e.g. s3.retry.limit=3");
            }
            s.put(k, v);
        });
        if (s3Endpoint != null) {
            s.put("s3.endpoint", s3Endpoint);
        }
        if (s3PathStyleAccess != null) {
            s.put("s3.path.style.access", s3PathStyleAccess.toString());
        }
        return s;
    }

    boolean any() {
        return !settings().isEmpty();
    }

    /** Loads Flink's file systems (class path and plugins) for this process with {@link #settings()}. */
    void initializeFileSystems() {
        initializeFileSystems(settings());
    }

    static void initializeFileSystems(Map<String, String> settings) {
        // the S3 plugin's AWS SDK v1 prints a deprecation notice with a stack trace on first use: not for a CLI
        if (System.getProperty(AWS_SDK_V1_NOTICE) == null) {
            System.setProperty(AWS_SDK_V1_NOTICE, "true");
        }
        Configuration c = Configuration.fromMap(settings);
        FileSystem.initialize(c, PluginUtils.createPluginManagerFromRootFolder(c));
    }
}
