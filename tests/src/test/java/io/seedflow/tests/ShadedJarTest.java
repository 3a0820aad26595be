package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The command-line jar that {@code flink run} and the image use holds one copy of each library: Flink's lz4-java
 * and Kafka's fork of it ship the same classes, and only the maintained fork goes into the jar. {@code mvn verify}
 * packages the jobs module before this module's tests run; without the jar (a single test run from an IDE) the test
 * is skipped, on CI it fails.
 */
class ShadedJarTest {
    @Test
    void onlyOneLz4JavaIsShadedIntoTheJar() throws IOException {
        Path jar = DocumentationTest.ROOT.resolve("jobs/target/seedflow.jar");
        if (System.getenv("CI") == null) {
            assumeTrue(Files.isRegularFile(jar), "no " + jar + " (run mvn verify, which packages it first)");
        }
        try (JarFile j = new JarFile(jar.toFile())) {
            List<String> lz4 = j.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith("META-INF/maven/") && n.endsWith("/lz4-java/pom.properties")).toList();
            assertThat(lz4).containsExactly("META-INF/maven/at.yawk.lz4/lz4-java/pom.properties");
            assertThat(j.getEntry("net/jpountz/lz4/LZ4Factory.class")).isNotNull();
        }
    }
}
