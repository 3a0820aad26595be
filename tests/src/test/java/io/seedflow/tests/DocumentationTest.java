package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documents a clone holds stand on their own: every relative link of every markdown file points at a file of the
 * repository (none outside it, such as the shared design brief), and every dashboard metric the README names is one
 * the code registers.
 */
class DocumentationTest {
    static final Path ROOT = Path.of(System.getProperty("seedflow.repo.dir",
            Path.of("").toAbsolutePath().getParent().toString())).toAbsolutePath().normalize();
    static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    static final Pattern METRIC = Pattern.compile("`(seedflow[A-Z][A-Za-z]+)`");

    @Test
    void everyRelativeLinkOfEveryMarkdownFileResolvesInsideTheRepository() throws IOException {
        List<String> broken = new ArrayList<>();
        List<Path> docs = markdownFiles();
        assertThat(docs).extracting(p -> ROOT.relativize(p).toString()).contains("README.md", "docs/DESIGN.md",
                "k8s/README.md");
        for (Path md : docs) {
            Matcher m = LINK.matcher(Files.readString(md));
            while (m.find()) {
                String target = m.group(1).replaceAll("#.*$", "");
                if (target.isEmpty() || target.matches("^[a-z]+:.*")) {
                    continue; // an anchor in the same file, or http(s):, mailto:
                }
                Path resolved = md.getParent().resolve(target).normalize();
                if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
                    broken.add(ROOT.relativize(md) + " -> " + m.group(1));
                }
            }
        }
        assertThat(broken).as("links that a clone cannot follow").isEmpty();
    }

    @Test
    void everyMetricTheReadmeNamesIsRegisteredByTheCode() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String code = Files.readString(ROOT.resolve(
                "operators/src/main/java/io/seedflow/operators/internal/TrainerMetrics.java"))
                + Files.readString(ROOT.resolve(
                        "connectors/src/main/java/io/seedflow/connectors/kafka/LabeledEventDecodeFunction.java"));
        Matcher m = METRIC.matcher(readme);
        List<String> named = new ArrayList<>();
        while (m.find()) {
            named.add(m.group(1));
        }
        assertThat(named).hasSizeGreaterThan(5);
        assertThat(named).allSatisfy(name -> assertThat(code).as("metric %s named in README.md", name)
                .contains("\"" + name + "\""));
    }

    private static List<Path> markdownFiles() throws IOException {
        try (Stream<Path> s = Files.walk(ROOT)) {
            return s.filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> {
                        String rel = ROOT.relativize(p).toString();
                        return !rel.contains("target/") && !rel.startsWith("runs/") && !rel.startsWith("data/")
                                && !rel.startsWith(".") && !rel.contains("node_modules");
                    }).toList();
        }
    }
}
