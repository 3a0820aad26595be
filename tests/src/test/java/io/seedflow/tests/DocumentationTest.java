package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.seedflow.jobs.SeedflowCli;
import io.seedflow.jobs.embedded.DemoSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

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
    void theSettingsReferenceIsGeneratedFromTheDeclarations() throws IOException {
        assertThat(Files.readString(ROOT.resolve("docs/settings.md")))
                .as("docs/settings.md is stale: regenerate it with ./seedflow settings > docs/settings.md")
                .isEqualTo(io.seedflow.core.settings.SettingsReference.markdown());
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

    /**
     * Every {@code ./seedflow} command line in the README's code blocks parses (no unknown or misspelt flag), and
     * every one that names a broker or a registry on localhost names the ports the demo, {@code seedflow broker} and
     * {@code seedflow registry} listen on by default, so the replica example follows the running demo as written.
     */
    @Test
    void theReadmesCommandLinesParseAndUseTheDemosPorts() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        List<String> commands = new ArrayList<>();
        boolean inCode = false;
        StringBuilder current = null;
        for (String line : readme.split("\n")) {
            if (line.startsWith("```")) {
                inCode = !inCode;
                continue;
            }
            if (!inCode) {
                continue;
            }
            String text = line.strip();
            if (current == null && text.startsWith("./seedflow ") && !text.contains("[")) {
                current = new StringBuilder();
            }
            if (current != null) {
                current.append(' ').append(text.endsWith("\\") ? text.substring(0, text.length() - 1) : text);
                if (!text.endsWith("\\")) {
                    commands.add(current.toString().strip());
                    current = null;
                }
            }
        }
        List<String> runnable = commands.stream().filter(c -> !c.contains("#") && !c.contains("...")).toList();
        assertThat(runnable).as("runnable ./seedflow lines of README.md").hasSizeGreaterThan(5);
        for (String c : runnable) {
            String[] args = c.substring("./seedflow ".length()).replace("\"", "").replace("$PWD", ROOT.toString())
                    .split("\\s+");
            assertThatCode(() -> new CommandLine(new SeedflowCli()).setCaseInsensitiveEnumValuesAllowed(true)
                    .parseArgs(args)).as(c).doesNotThrowAnyException();
            Matcher kafka = Pattern.compile("--bootstrap-servers localhost:(\\d+)").matcher(c);
            if (kafka.find()) {
                assertThat(Integer.parseInt(kafka.group(1))).as(c).isEqualTo(DemoSettings.DEFAULT_KAFKA_PORT);
            }
            Matcher registry = Pattern.compile("--registry-url http://localhost:(\\d+)").matcher(c);
            if (registry.find()) {
                assertThat(Integer.parseInt(registry.group(1))).as(c).isEqualTo(DemoSettings.DEFAULT_REGISTRY_PORT);
            }
        }
        assertThat(runnable).anySatisfy(c -> assertThat(c).startsWith("./seedflow replica ")
                .contains("--registry-url http://localhost:" + DemoSettings.DEFAULT_REGISTRY_PORT));
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
