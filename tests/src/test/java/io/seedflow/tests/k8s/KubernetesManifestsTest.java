package io.seedflow.tests.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.fail;

import io.seedflow.connectors.registry.RegistryClientOptions;
import io.seedflow.core.settings.JobSettings;
import io.seedflow.core.settings.Setting;
import io.seedflow.jobs.SeedflowCli;
import io.seedflow.jobs.streaming.StreamingSettings;
import io.seedflow.operators.ZoTrainerOptions;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Static validity checks of the deployment manifests in {@code k8s/}: every YAML document is parsed (multi-document
 * files), and the objects are checked against each other, against the job's own defaults and command line, and
 * against Flink's configuration options. No cluster is needed.
 */
class KubernetesManifestsTest {
    private static final String NAMESPACE = "seedflow";
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final String JAR = "/opt/flink/usrlib/seedflow.jar";
    /** Cluster-scoped kinds: no namespace. */
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace");
    /**
     * flinkConfiguration keys that are not declared in flink-core's option classes (the only ones on this classpath):
     * filesystem plugin keys, Kubernetes/operator keys (flink-kubernetes, the operator) and the per-resource keys of
     * the external resource framework.
     */
    private static final List<String> FLINK_KEY_PREFIXES_NOT_IN_FLINK_CORE =
            List.of("s3.", "kubernetes.", "external-resource.", "metrics.reporter.");

    /** One YAML document of one file. */
    private record Doc(String file, Map<String, Object> body) {
        String kind() {
            return str(body, "kind");
        }

        String name() {
            return str(body, "metadata", "name");
        }

        @Override
        public String toString() {
            return file + ": " + kind() + " " + name();
        }
    }

    private static Path k8sDir;
    private static List<Path> yamlFiles;
    private static List<Doc> docs;
    private static Map<String, Object> kustomization;

    @BeforeAll
    static void parseEveryManifest() throws IOException {
        k8sDir = findK8sDir();
        try (Stream<Path> files = Files.list(k8sDir)) {
            yamlFiles = files.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
        }
        docs = new ArrayList<>();
        for (Path file : yamlFiles) {
            Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                for (Object o : yaml.loadAll(in)) {
                    if (o == null) {
                        continue; // an empty document, e.g. after a trailing ---
                    }
                    assertThat(o).as("%s: every document is a mapping", file.getFileName()).isInstanceOf(Map.class);
                    Map<String, Object> body = asMap(o);
                    if (file.getFileName().toString().equals("kustomization.yaml")) {
                        kustomization = body;
                    } else {
                        docs.add(new Doc(file.getFileName().toString(), body));
                    }
                }
            }
        }
        assertThat(kustomization).as("k8s/kustomization.yaml").isNotNull();
        assertThat(docs).as("documents in k8s/*.yaml").isNotEmpty();
    }

    private static Path findK8sDir() {
        String repo = System.getProperty("seedflow.repo.dir");
        List<Path> candidates = new ArrayList<>();
        if (repo != null) {
            candidates.add(Path.of(repo, "k8s"));
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            candidates.add(p.resolve("k8s"));
        }
        return candidates.stream().filter(p -> Files.isRegularFile(p.resolve("kustomization.yaml"))).findFirst()
                .orElseThrow(() -> new AssertionError("no k8s/kustomization.yaml found in " + candidates));
    }

    // ---------------------------------------------------------------- every object

    @Test
    void everyDocumentIsANamedObjectInTheSeedflowNamespace() {
        for (Doc d : docs) {
            assertThat(str(d.body, "apiVersion")).as("%s: apiVersion", d.file).isNotBlank();
            assertThat(d.kind()).as("%s: kind", d.file).isNotBlank();
            assertThat(d.name()).as("%s: metadata.name", d).isNotBlank();
            assertDns1123Label(d.name(), d + ": metadata.name");
            if (CLUSTER_SCOPED.contains(d.kind())) {
                assertThat(d.body.get("metadata")).as("%s is cluster-scoped", d).satisfies(
                        m -> assertThat(asMap(m)).doesNotContainKey("namespace"));
                assertThat(d.name()).as("%s", d).isEqualTo(NAMESPACE);
            } else {
                assertThat(str(d.body, "metadata", "namespace")).as("%s: metadata.namespace", d).isEqualTo(NAMESPACE);
            }
        }
        Set<String> seen = new HashSet<>();
        for (Doc d : docs) {
            assertThat(seen.add(d.kind() + "/" + d.name())).as("%s is defined twice", d).isTrue();
        }
    }

    @Test
    void kustomizationListsExactlyTheManifestFiles() {
        assertThat(str(kustomization, "kind")).isEqualTo("Kustomization");
        assertThat(str(kustomization, "namespace")).isEqualTo(NAMESPACE);
        List<String> resources = strings(kustomization.get("resources"), "kustomization resources");
        Set<String> present = yamlFiles.stream().map(p -> p.getFileName().toString())
                .filter(n -> !n.equals("kustomization.yaml")).collect(Collectors.toCollection(TreeSet::new));
        assertThat(resources).as("kustomization.yaml resources (no duplicates)").doesNotHaveDuplicates();
        assertThat(new TreeSet<>(resources)).as("kustomization.yaml resources vs k8s/*.yaml").isEqualTo(present);
    }

    // ---------------------------------------------------------------- workloads

    @Test
    void deploymentSelectorsMatchTheirPodTemplates() {
        assertThat(deployments()).as("Deployments").isNotEmpty();
        for (Doc d : deployments()) {
            Map<String, String> selector = stringMap(at(d.body, "spec", "selector", "matchLabels"), d + " selector");
            assertThat(selector).as("%s: spec.selector.matchLabels", d).isNotEmpty();
            assertThat(podLabels(d)).as("%s: pod template labels must contain the selector", d)
                    .containsAllEntriesOf(selector);
            for (Map<String, Object> c : containers(d)) {
                assertDns1123Label(str(c, "name"), d + ": container name");
                assertPinnedImage(str(c, "image"), d + ": container " + str(c, "name"));
            }
        }
    }

    @Test
    void servicesSelectADeploymentAndTargetOneOfItsContainerPorts() {
        List<Doc> services = ofKind("Service");
        assertThat(services).as("Services").isNotEmpty();
        for (Doc s : services) {
            Map<String, String> selector = stringMap(at(s.body, "spec", "selector"), s + " selector");
            assertThat(selector).as("%s: spec.selector", s).isNotEmpty();
            List<Doc> selected = deployments().stream().filter(d -> podLabels(d).entrySet()
                    .containsAll(selector.entrySet())).toList();
            assertThat(selected).as("%s: Deployments whose pods match selector %s", s, selector).isNotEmpty();
            for (Object p : list(at(s.body, "spec", "ports"), s + " ports")) {
                Map<String, Object> port = asMap(p);
                Object target = port.containsKey("targetPort") ? port.get("targetPort") : port.get("port");
                for (Doc d : selected) {
                    assertThat(declaresPort(containers(d), target))
                            .as("%s: targetPort %s is a containerPort (number or name) of %s", s, target, d).isTrue();
                }
            }
        }
    }

    @Test
    void podDisruptionBudgetsSelectADeployment() {
        for (Doc pdb : ofKind("PodDisruptionBudget")) {
            Map<String, String> selector = stringMap(at(pdb.body, "spec", "selector", "matchLabels"), pdb + "");
            assertThat(deployments()).as("%s: some Deployment's pods match %s", pdb, selector)
                    .anySatisfy(d -> assertThat(podLabels(d)).containsAllEntriesOf(selector));
        }
    }

    @Test
    void probesUseDeclaredContainerPorts() {
        int probes = 0;
        for (Doc d : deployments()) {
            for (Map<String, Object> c : containers(d)) {
                for (String kind : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
                    Object probe = c.get(kind);
                    if (probe == null) {
                        continue;
                    }
                    probes++;
                    Object port = at(probe, "httpGet", "port");
                    if (port == null) {
                        port = at(probe, "tcpSocket", "port");
                    }
                    if (port == null) {
                        port = at(probe, "grpc", "port");
                    }
                    if (port != null) {
                        assertThat(declaresPort(List.of(c), port))
                                .as("%s: %s of container %s uses port %s", d, kind, str(c, "name"), port).isTrue();
                    }
                }
            }
        }
        assertThat(probes).as("probes in the Deployments").isPositive();
    }

    @Test
    void resourceRequestsDoNotExceedLimits() {
        for (Doc d : deployments()) {
            for (Map<String, Object> c : containers(d)) {
                String what = d + ": container " + str(c, "name");
                Map<String, Object> requests = optionalMap(at(c, "resources", "requests"));
                Map<String, Object> limits = optionalMap(at(c, "resources", "limits"));
                assertThat(requests).as("%s: resources.requests", what).containsKeys("cpu", "memory");
                assertThat(limits).as("%s: resources.limits", what).containsKey("memory");
                for (Map.Entry<String, Object> r : requests.entrySet()) {
                    if (limits.containsKey(r.getKey())) {
                        BigDecimal req = quantity(r.getValue(), what);
                        BigDecimal lim = quantity(limits.get(r.getKey()), what);
                        assertThat(req).as("%s: request %s=%s <= limit %s", what, r.getKey(), r.getValue(),
                                limits.get(r.getKey())).isLessThanOrEqualTo(lim);
                    }
                }
            }
        }
    }

    @Test
    void secretReferencesNameDefinedSecretsAndKeys() {
        Map<String, Set<String>> secrets = new HashMap<>();
        for (Doc s : ofKind("Secret")) {
            Set<String> keys = new HashSet<>();
            keys.addAll(optionalMap(s.body.get("data")).keySet());
            keys.addAll(optionalMap(s.body.get("stringData")).keySet());
            secrets.put(s.name(), keys);
        }
        List<Map<String, Object>> all = new ArrayList<>();
        deployments().forEach(d -> all.addAll(containers(d)));
        all.addAll(flinkPodTemplateContainers());
        for (Map<String, Object> c : all) {
            for (Object e : optionalList(c.get("env"))) {
                Object ref = at(e, "valueFrom", "secretKeyRef");
                if (ref == null) {
                    continue;
                }
                String name = str(ref, "name");
                String key = str(ref, "key");
                assertThat(secrets).as("env %s refers to Secret %s", str(e, "name"), name).containsKey(name);
                assertThat(secrets.get(name)).as("Secret %s has key %s", name, key).contains(key);
            }
        }
    }

    // ---------------------------------------------------------------- the Flink job

    @Test
    void flinkDeploymentHasWhatTheOperatorAndTheJobNeed() {
        Doc fd = flinkDeployment();
        Map<String, Object> b = fd.body;
        assertThat(str(b, "apiVersion")).isEqualTo("flink.apache.org/v1beta1");
        assertPinnedImage(str(b, "spec", "image"), fd + ": spec.image");
        assertThat(str(b, "spec", "flinkVersion")).as("flinkVersion (operator enum, Flink 2.1)").isEqualTo("v2_1");
        for (String role : List.of("jobManager", "taskManager")) {
            Object cpu = at(b, "spec", role, "resource", "cpu");
            assertThat(cpu).as("%s.resource.cpu", role).isInstanceOf(Number.class);
            assertThat(((Number) cpu).doubleValue()).as("%s.resource.cpu", role).isPositive();
            assertThat(str(b, "spec", role, "resource", "memory")).as("%s.resource.memory", role)
                    .matches("\\d+(\\.\\d+)?\\s*(m|mb|g|gb|Mi|Gi)");
        }
        assertThat(str(b, "spec", "job", "jarURI")).isEqualTo("local://" + JAR);
        assertThat(str(b, "spec", "job", "entryClass")).isEqualTo(SeedflowCli.class.getName());
        assertThat(str(b, "spec", "job", "upgradeMode")).isEqualTo("savepoint");
        assertThat(at(b, "spec", "job", "parallelism")).as("job.parallelism: a single trainer").isEqualTo(1);
        assertThat(jobArgs()).as("job.args").isNotEmpty().first().isEqualTo("run");

        Map<String, String> conf = flinkConfiguration();
        assertThat(conf.get(TaskManagerOptions.NUM_TASK_SLOTS.key())).isEqualTo("1");
        assertThat(conf.get(StateBackendOptions.STATE_BACKEND.key())).isEqualTo("rocksdb");
        assertThat(conf.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS.key())).isEqualTo("true");
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL.key())).as("checkpoint interval").isNotBlank();
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY.key())).as("checkpoint dir").startsWith("s3://");
        assertThat(conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY.key()))
                .as("savepoint dir (required by upgradeMode savepoint)").startsWith("s3://");

        String argInterval = option(jobArgs(), "--checkpoint-interval");
        if (argInterval != null) {
            assertThat(Configuration.fromMap(Map.of(CheckpointingOptions.CHECKPOINTING_INTERVAL.key(), argInterval))
                    .get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                    .as("--checkpoint-interval in job.args equals execution.checkpointing.interval")
                    .isEqualTo(Configuration.fromMap(conf).get(CheckpointingOptions.CHECKPOINTING_INTERVAL));
        }
        assertThat(option(jobArgs(), "--snapshot-dir")).as("--snapshot-dir on object storage").startsWith("s3://");
    }

    /**
     * Every flinkConfiguration value is a string, every key (outside the documented plugin/Kubernetes prefixes) is a
     * current, non-deprecated key of a Flink 2.1 option, and every value parses as that option's type.
     */
    @Test
    void flinkConfigurationUsesCurrentFlinkKeysWithParsableValues() throws Exception {
        Map<String, Object> raw = asMap(at(flinkDeployment().body, "spec", "flinkConfiguration"));
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            assertThat(e.getValue()).as("flinkConfiguration %s: quote the value, the operator wants strings", e.getKey())
                    .isInstanceOf(String.class);
        }
        Map<String, ConfigOption<?>> current = new HashMap<>();
        Map<String, ConfigOption<?>> deprecated = new HashMap<>();
        for (ConfigOption<?> option : flinkCoreOptions()) {
            current.put(option.key(), option);
            for (FallbackKey k : option.fallbackKeys()) {
                deprecated.putIfAbsent(k.getKey(), option);
            }
        }
        assertThat(current).as("Flink options found by reflection").containsKey(StateBackendOptions.STATE_BACKEND.key());
        Map<String, String> conf = flinkConfiguration();
        Configuration flink = Configuration.fromMap(conf);
        for (String key : conf.keySet()) {
            if (FLINK_KEY_PREFIXES_NOT_IN_FLINK_CORE.stream().anyMatch(key::startsWith)) {
                continue;
            }
            ConfigOption<?> option = current.get(key);
            if (option == null) {
                ConfigOption<?> renamed = deprecated.get(key);
                fail("flinkConfiguration key '" + key + "' is " + (renamed == null
                        ? "not a Flink 2.1 option (typo?)" : "deprecated: use '" + renamed.key() + "'"));
            }
            assertThatCode(() -> flink.get(option)).as("flinkConfiguration %s=%s parses", key, conf.get(key))
                    .doesNotThrowAnyException();
        }
    }

    /**
     * Prometheus: the trainer's metrics through Flink's own Prometheus reporter on a port its pods declare, the
     * replicas' {@code /metrics} on their serving port; both pod templates carry the scrape annotations.
     */
    @Test
    void prometheusScrapesTheTrainerAndTheReplicas() {
        Map<String, String> conf = flinkConfiguration();
        assertThat(conf.get("metrics.reporter.prom.factory.class"))
                .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        String port = conf.get("metrics.reporter.prom.port");
        assertThat(port).as("metrics.reporter.prom.port: one port, not a range").matches("\\d+");
        assertThat(declaresPort(flinkPodTemplateContainers(), Integer.parseInt(port)))
                .as("the Flink pods declare the reporter's port %s", port).isTrue();
        Map<String, String> flinkAnnotations = stringMap(at(flinkDeployment().body, "spec", "podTemplate",
                "metadata", "annotations"), "FlinkDeployment podTemplate annotations");
        assertThat(flinkAnnotations).containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", port);

        Doc replica = replicaDeployment();
        Map<String, String> annotations = stringMap(at(replica.body, "spec", "template", "metadata", "annotations"),
                replica + " pod template annotations");
        assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/path", "/metrics")
                .containsEntry("prometheus.io/port", option(replicaArgs(), "--port"));
        assertThat(declaresPort(List.of(replicaContainer()), Integer.parseInt(option(replicaArgs(), "--port"))))
                .isTrue();
    }

    // ---------------------------------------------------------------- Kafka topics

    @Test
    void kafkaTopicsAreExactlyTheTopicsTheJobUses() {
        Map<String, Doc> topics = kafkaTopics();
        for (Doc t : topics.values()) {
            assertThat(str(t.body, "apiVersion")).isEqualTo("kafka.strimzi.io/v1beta2");
            assertThat(str(t.body, "metadata", "labels", "strimzi.io/cluster")).as("%s cluster label", t)
                    .isEqualTo("seedflow-kafka");
            assertThat(at(t.body, "spec", "partitions")).as("%s partitions", t).isInstanceOf(Integer.class);
            assertThat(at(t.body, "spec", "replicas")).as("%s replicas", t).isInstanceOf(Integer.class);
        }
        StreamingSettings defaults = jobDefaults();
        List<String> args = jobArgs();
        Set<String> used = new TreeSet<>();
        used.add(orDefault(option(args, "--events-topic"), defaults.eventsTopic()));
        used.add(orDefault(option(args, "--updates-topic"), defaults.updatesTopic()));
        used.add(orDefault(option(args, "--dead-letter-topic"), defaults.deadLetterTopic()));
        String holdout = option(args, "--holdout-topic");
        if (holdout != null) {
            used.add(holdout);
        }
        assertThat(used).as("topics of the job (defaults from StreamingSettings)").contains(defaults.eventsTopic(),
                defaults.updatesTopic(), defaults.deadLetterTopic());
        assertThat(topics.keySet()).as("KafkaTopic names vs the topics of the job").isEqualTo(used);
    }

    @Test
    void updatesTopicIsOneOrderedPartitionKeptForever() {
        String updates = orDefault(option(jobArgs(), "--updates-topic"), jobDefaults().updatesTopic());
        Doc t = kafkaTopics().get(updates);
        assertThat(t).as("KafkaTopic %s", updates).isNotNull();
        assertThat(at(t.body, "spec", "partitions")).as("%s: the update log is ONE ordered partition", t).isEqualTo(1);
        Map<String, Object> config = asMap(at(t.body, "spec", "config"));
        assertThat(String.valueOf(config.get("retention.ms"))).as("%s retention.ms", t).isEqualTo("-1");
        assertThat(String.valueOf(config.get("cleanup.policy"))).as("%s cleanup.policy", t).isEqualTo("delete");
        assertThat(String.valueOf(config.get("min.insync.replicas"))).as("%s min.insync.replicas", t).isEqualTo("2");
    }

    // ---------------------------------------------------------------- replicas

    @Test
    void replicasFollowTheTrainersUpdateLog() {
        List<String> job = jobArgs();
        List<String> replica = replicaArgs();
        assertThat(replica).as("replica container args").isNotEmpty().first().isEqualTo("replica");
        assertThat(option(replica, "--bootstrap-servers")).as("same Kafka as the trainer")
                .isEqualTo(option(job, "--bootstrap-servers")).isNotBlank();
        assertThat(option(replica, "--registry-url")).as("same schema registry as the trainer")
                .isEqualTo(option(job, "--registry-url")).isNotBlank();
        assertThat(orDefault(option(replica, "--updates-topic"), jobDefaults().updatesTopic()))
                .as("the replicas follow the trainer's updates topic")
                .isEqualTo(orDefault(option(job, "--updates-topic"), jobDefaults().updatesTopic()));
        assertThat(option(replica, "--model-id")).as("--model-id").isNotBlank();
        List<String> command = strings(replicaContainer().get("command"), "replica command");
        assertThat(command).as("replica command").first().isEqualTo("java");
        assertThat(command).as("replica command runs the image's jar").containsSubsequence("-jar", JAR);
        assertThat(str(replicaContainer(), "image")).as("replica image = trainer image").isEqualTo(str(flinkDeployment().body, "spec", "image"));
    }

    /**
     * The replicas read the snapshots the trainer writes to object storage: the same S3 endpoint and addressing as
     * the trainer's Flink configuration, the same credentials Secret, and the image's plugin folder.
     */
    @Test
    void replicasReachTheTrainersSnapshotStore() {
        List<String> replica = replicaArgs();
        Map<String, String> conf = flinkConfiguration();
        assertThat(option(replica, "--s3-endpoint")).as("replica --s3-endpoint = trainer s3.endpoint")
                .isEqualTo(conf.get("s3.endpoint"));
        assertThat(option(replica, "--s3-path-style-access")).as("replica --s3-path-style-access")
                .isEqualTo(conf.get("s3.path.style.access"));
        String dir = option(replica, "--snapshot-dir");
        if (dir != null) {
            assertThat(dir).as("replica --snapshot-dir = trainer --snapshot-dir").isEqualTo(option(jobArgs(),
                    "--snapshot-dir"));
        }
        Map<String, String> env = new java.util.HashMap<>();
        for (Object e : optionalList(replicaContainer().get("env"))) {
            Map<String, Object> m = asMap(e);
            Object from = m.get("valueFrom");
            env.put(str(m, "name"), from == null ? String.valueOf(m.get("value"))
                    : str(asMap(asMap(from).get("secretKeyRef")), "name"));
        }
        assertThat(env).as("replica env").containsEntry("AWS_ACCESS_KEY_ID", "seedflow-s3")
                .containsEntry("AWS_SECRET_ACCESS_KEY", "seedflow-s3")
                .containsEntry("FLINK_PLUGINS_DIR", "/opt/flink/plugins");
    }

    @Test
    void dockerfileBuildsTheImageTheManifestsExpect() throws IOException {
        String dockerfile = Files.readString(k8sDir.resolve("Dockerfile"), StandardCharsets.UTF_8);
        Matcher from = Pattern.compile("(?m)^FROM\\s+flink:(\\d+)\\.(\\d+)\\.\\d+-java17\\s*$").matcher(dockerfile);
        assertThat(from.find()).as("Dockerfile: FROM flink:<x.y.z>-java17").isTrue();
        assertThat("v" + from.group(1) + "_" + from.group(2)).as("base image version vs flinkVersion")
                .isEqualTo(str(flinkDeployment().body, "spec", "flinkVersion"));
        assertThat(dockerfile).as("Dockerfile copies the shaded jar to %s", JAR)
                .containsPattern("(?m)^COPY\\s.*jobs/target/seedflow\\.jar\\s+" + Pattern.quote(JAR) + "\\s*$");
    }

    // ---------------------------------------------------------------- the command lines

    /** The FlinkDeployment's job.args and the replica's container args are valid {@code seedflow} command lines. */
    @Test
    void commandLinesParseWithTheSeedflowCli() {
        CommandLine cli = new CommandLine(new SeedflowCli());
        assertThat(cli.getSubcommands()).as("seedflow subcommands").containsKeys("run", "replica");

        List<String> job = jobArgs();
        ParseResult run = new CommandLine(new SeedflowCli()).parseArgs(job.toArray(String[]::new));
        assertThat(run.subcommand()).as("job.args select a subcommand").isNotNull();
        assertThat(run.subcommand().commandSpec().name()).isEqualTo("run");

        List<String> replica = replicaArgs();
        ParseResult rep = new CommandLine(new SeedflowCli()).parseArgs(replica.toArray(String[]::new));
        assertThat(rep.subcommand()).as("replica args select a subcommand").isNotNull();
        assertThat(rep.subcommand().commandSpec().name()).isEqualTo("replica");

        // the topic flags of run and replica are the declared settings, whose defaults the job uses (and so the
        // KafkaTopics)
        StreamingSettings defaults = jobDefaults();
        CommandSpec runSpec = cli.getSubcommands().get("run").getCommandSpec();
        assertDeclared(runSpec, JobSettings.EVENTS_TOPIC, defaults.eventsTopic());
        assertDeclared(runSpec, JobSettings.UPDATES_TOPIC, defaults.updatesTopic());
        assertDeclared(runSpec, JobSettings.DEAD_LETTER_TOPIC, defaults.deadLetterTopic());
        CommandSpec replicaSpec = cli.getSubcommands().get("replica").getCommandSpec();
        assertDeclared(replicaSpec, JobSettings.UPDATES_TOPIC, defaults.updatesTopic());
    }

    private static void assertDeclared(CommandSpec spec, Setting<String> setting, String jobDefault) {
        OptionSpec o = spec.findOption(setting.flag().orElseThrow());
        assertThat(o).as("option %s of %s", setting.flag().get(), spec.name()).isNotNull();
        assertThat(String.join(" ", o.description())).contains("Setting " + setting.key());
        assertThat(setting.defaultValue()).contains(jobDefault);
    }

    // ---------------------------------------------------------------- the objects

    private static List<Doc> ofKind(String kind) {
        return docs.stream().filter(d -> kind.equals(d.kind())).toList();
    }

    private static List<Doc> deployments() {
        return ofKind("Deployment");
    }

    private static Doc flinkDeployment() {
        List<Doc> fds = ofKind("FlinkDeployment");
        assertThat(fds).as("exactly one FlinkDeployment (a single trainer)").hasSize(1);
        return fds.get(0);
    }

    private static Map<String, String> flinkConfiguration() {
        Map<String, String> conf = new LinkedHashMap<>();
        asMap(at(flinkDeployment().body, "spec", "flinkConfiguration"))
                .forEach((k, v) -> conf.put(k, String.valueOf(v)));
        return conf;
    }

    private static List<Map<String, Object>> flinkPodTemplateContainers() {
        Map<String, Object> spec = flinkDeployment().body;
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object pt : new Object[] {at(spec, "spec", "podTemplate"), at(spec, "spec", "jobManager", "podTemplate"),
            at(spec, "spec", "taskManager", "podTemplate")}) {
            optionalList(at(pt, "spec", "containers")).forEach(c -> out.add(asMap(c)));
        }
        return out;
    }

    private static List<String> jobArgs() {
        return strings(at(flinkDeployment().body, "spec", "job", "args"), "job.args");
    }

    private static Doc replicaDeployment() {
        List<Doc> found = deployments().stream().filter(d -> containers(d).stream()
                .anyMatch(c -> optionalList(c.get("args")).stream().findFirst().filter("replica"::equals).isPresent()))
                .toList();
        assertThat(found).as("one Deployment runs `seedflow replica`").hasSize(1);
        return found.get(0);
    }

    private static Map<String, Object> replicaContainer() {
        return containers(replicaDeployment()).stream()
                .filter(c -> optionalList(c.get("args")).stream().findFirst().filter("replica"::equals).isPresent())
                .findFirst().orElseThrow();
    }

    private static List<String> replicaArgs() {
        return strings(replicaContainer().get("args"), "replica args");
    }

    private static Map<String, Doc> kafkaTopics() {
        Map<String, Doc> topics = new LinkedHashMap<>();
        for (Doc t : ofKind("KafkaTopic")) {
            String name = str(t.body, "spec", "topicName");
            assertThat(topics.put(name != null ? name : t.name(), t)).as("topic %s defined twice", t).isNull();
        }
        return topics;
    }

    /** The topic defaults of the streaming job itself (StreamingSettings.Builder). */
    private static StreamingSettings jobDefaults() {
        Configuration trainer = new Configuration();
        trainer.set(ZoTrainerOptions.SNAPSHOT_DIR, "/tmp/unused");
        return StreamingSettings.builder().bootstrapServers("unused:9092")
                .registry(RegistryClientOptions.builder().url("http://unused:8081").build())
                .modelSpec("mlp:784x64x10:relu").trainer(trainer).build();
    }

    private static List<Map<String, Object>> containers(Doc d) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String field : List.of("initContainers", "containers")) {
            optionalList(at(d.body, "spec", "template", "spec", field)).forEach(c -> out.add(asMap(c)));
        }
        assertThat(out).as("%s: containers", d).isNotEmpty();
        return out;
    }

    private static Map<String, String> podLabels(Doc d) {
        return stringMap(at(d.body, "spec", "template", "metadata", "labels"), d + " pod template labels");
    }

    /** Whether {@code port} (a number or a port name) is a containerPort of one of the containers. */
    private static boolean declaresPort(List<Map<String, Object>> containers, Object port) {
        for (Map<String, Object> c : containers) {
            for (Object p : optionalList(c.get("ports"))) {
                Map<String, Object> cp = asMap(p);
                if (port instanceof Number n ? Objects.equals(cp.get("containerPort"), n.intValue())
                        : Objects.equals(cp.get("name"), port)
                                || String.valueOf(cp.get("containerPort")).equals(String.valueOf(port))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The public static ConfigOptions of flink-core's {@code org.apache.flink.configuration.*Options} classes. */
    private static List<ConfigOption<?>> flinkCoreOptions() throws IOException, URISyntaxException {
        Path jar = Path.of(CheckpointingOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<ConfigOption<?>> options = new ArrayList<>();
        try (JarFile jf = new JarFile(jar.toFile())) {
            for (JarEntry e : jf.stream().toList()) {
                String n = e.getName();
                if (!n.startsWith("org/apache/flink/configuration/") || !n.endsWith("Options.class")
                        || n.substring("org/apache/flink/configuration/".length()).contains("/")) {
                    continue;
                }
                Class<?> cls;
                try {
                    cls = Class.forName(n.substring(0, n.length() - 6).replace('/', '.'));
                } catch (Throwable t) {
                    continue; // not loadable on this classpath: its keys are simply not known here
                }
                for (Field f : cls.getFields()) {
                    if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
                        try {
                            options.add((ConfigOption<?>) f.get(null));
                        } catch (IllegalAccessException ex) {
                            throw new AssertionError(ex);
                        }
                    }
                }
            }
        }
        return options;
    }

    // ---------------------------------------------------------------- small helpers

    /** The value of {@code --name=value} or {@code --name value} in a command line, or null. */
    private static String option(List<String> args, String name) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
            if (a.equals(name) && i + 1 < args.size()) {
                return args.get(i + 1);
            }
        }
        return null;
    }

    private static String orDefault(String value, String fallback) {
        return value != null ? value : fallback;
    }

    private static void assertDns1123Label(String name, String what) {
        assertThat(name).as("%s '%s' is a DNS-1123 label", what, name).hasSizeBetween(1, 63)
                .matches(DNS1123_LABEL);
    }

    /** An image reference with an explicit tag other than latest, or a digest. */
    private static void assertPinnedImage(String image, String what) {
        assertThat(image).as("%s '%s' has a tag or digest", what, image)
                .matches("([^/\\s]+/)*[^/:@\\s]+(:[\\w][\\w.-]*|@sha256:[0-9a-f]{64})").doesNotEndWith(":latest");
    }

    /** A Kubernetes resource quantity ("500m", "2", "1Gi", "768Mi", "1e3") as a number of base units. */
    static BigDecimal quantity(Object value, String what) {
        String s = String.valueOf(value).trim();
        Matcher m = Pattern.compile("([+-]?\\d+(?:\\.\\d+)?)(?:([eE][+-]?\\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?")
                .matcher(s);
        assertThat(m.matches()).as("%s: '%s' is a Kubernetes quantity", what, s).isTrue();
        BigDecimal number = new BigDecimal(m.group(1));
        if (m.group(2) != null) {
            return number.scaleByPowerOfTen(Integer.parseInt(m.group(2).substring(1)));
        }
        String suffix = m.group(3) == null ? "" : m.group(3);
        return switch (suffix) {
            case "" -> number;
            case "n" -> number.scaleByPowerOfTen(-9);
            case "u" -> number.scaleByPowerOfTen(-6);
            case "m" -> number.scaleByPowerOfTen(-3);
            case "k" -> number.scaleByPowerOfTen(3);
            case "M" -> number.scaleByPowerOfTen(6);
            case "G" -> number.scaleByPowerOfTen(9);
            case "T" -> number.scaleByPowerOfTen(12);
            case "P" -> number.scaleByPowerOfTen(15);
            case "E" -> number.scaleByPowerOfTen(18);
            default -> number.multiply(BigDecimal.valueOf(2).pow(10 * (1 + "KMGTPE".indexOf(suffix.charAt(0)))));
        };
    }

    /** Follows map keys (and list indexes given as numbers) from {@code node}; null where the path ends early. */
    private static Object at(Object node, String... path) {
        Object cur = node;
        for (String p : path) {
            if (cur instanceof Map<?, ?> m) {
                cur = m.get(p);
            } else if (cur instanceof List<?> l && p.matches("\\d+") && Integer.parseInt(p) < l.size()) {
                cur = l.get(Integer.parseInt(p));
            } else {
                return null;
            }
        }
        return cur;
    }

    private static String str(Object node, String... path) {
        Object v = at(node, path);
        return v == null ? null : String.valueOf(v);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        assertThat(o).as("a mapping").isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    private static Map<String, Object> optionalMap(Object o) {
        return o == null ? Map.of() : asMap(o);
    }

    private static List<?> list(Object o, String what) {
        assertThat(o).as("%s: a list", what).isInstanceOf(List.class);
        return (List<?>) o;
    }

    private static List<?> optionalList(Object o) {
        return o == null ? List.of() : list(o, "a list");
    }

    private static List<String> strings(Object o, String what) {
        List<String> out = new ArrayList<>();
        for (Object x : list(o, what)) {
            assertThat(x).as("%s: every item is a string (quote numbers and booleans)", what)
                    .isInstanceOf(String.class);
            out.add((String) x);
        }
        return out;
    }

    private static Map<String, String> stringMap(Object o, String what) {
        Map<String, String> out = new LinkedHashMap<>();
        asMap(o).forEach((k, v) -> {
            assertThat(v).as("%s: %s is a string", what, k).isInstanceOf(String.class);
            out.put(k, (String) v);
        });
        return out;
    }
}
