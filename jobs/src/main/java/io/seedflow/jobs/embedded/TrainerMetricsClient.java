package io.seedflow.jobs.embedded;

import io.seedflow.jobs.serving.ServingJson;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads the trainer's Flink metrics the way the dashboard does, over the local cluster's REST API: the job's vertex
 * whose name contains "ZO trainer", its metric ids ({@code <subtask>.<operator>.seedflow...}), then their values.
 * The cluster's metric fetcher refreshes them every couple of seconds, so a sample may be that old.
 */
final class TrainerMetricsClient {
    static final String TRAINER_VERTEX = "ZO trainer";
    static final List<String> METRICS = List.of("seedflowSteps", "seedflowEventsTrained", "seedflowPrequentialAccuracy",
            "seedflowPrequentialF1", "seedflowPrequentialAccuracyTotal", "seedflowPrequentialF1Total");

    /**
     * One reading.
     *
     * @param steps steps the trainer took
     * @param eventsTrained examples it trained on, each first scored prequentially
     * @param prequentialAccuracy accuracy over the newest {@code seedflow.trainer.prequential-window} examples
     * @param prequentialF1 F1 (class 1 of two, else macro) over that window
     * @param prequentialAccuracyTotal accuracy over every example
     * @param prequentialF1Total F1 over every example
     */
    record Sample(long steps, long eventsTrained, double prequentialAccuracy, double prequentialF1,
            double prequentialAccuracyTotal, double prequentialF1Total) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String jobUrl;
    private String metricsUrl; // of the trainer's vertex, once found
    private final Map<String, String> idByMetric = new HashMap<>();

    TrainerMetricsClient(String webUrl, String jobId) {
        this.jobUrl = webUrl + "/jobs/" + jobId;
    }

    /** The trainer's metrics now, or empty while the job, the vertex or its metrics are not there yet. */
    Optional<Sample> read() {
        try {
            if (!findMetricIds()) {
                return Optional.empty();
            }
            String ids = METRICS.stream().map(m -> URLEncoder.encode(idByMetric.get(m), StandardCharsets.UTF_8)
                    .replace("+", "%20")).collect(Collectors.joining(","));
            Map<String, Double> values = new HashMap<>();
            for (Object o : list(get(metricsUrl + "?get=" + ids))) {
                Map<?, ?> m = (Map<?, ?>) o;
                values.put(metricName((String) m.get("id")), Double.parseDouble((String) m.get("value")));
            }
            if (!values.keySet().containsAll(METRICS)) {
                return Optional.empty();
            }
            return Optional.of(new Sample(values.get("seedflowSteps").longValue(),
                    values.get("seedflowEventsTrained").longValue(), values.get("seedflowPrequentialAccuracy"),
                    values.get("seedflowPrequentialF1"), values.get("seedflowPrequentialAccuracyTotal"),
                    values.get("seedflowPrequentialF1Total")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // the cluster is starting, busy or gone; the status line shows "-"
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private boolean findMetricIds() throws IOException, InterruptedException {
        if (metricsUrl == null) {
            Map<?, ?> job = (Map<?, ?>) get(jobUrl);
            for (Object v : list(job.get("vertices"))) {
                Map<?, ?> vertex = (Map<?, ?>) v;
                if (String.valueOf(vertex.get("name")).contains(TRAINER_VERTEX)) {
                    metricsUrl = jobUrl + "/vertices/" + vertex.get("id") + "/metrics";
                }
            }
            if (metricsUrl == null) {
                return false;
            }
        }
        if (idByMetric.size() < METRICS.size()) {
            for (Object o : list(get(metricsUrl))) {
                String id = (String) ((Map<?, ?>) o).get("id");
                String name = metricName(id);
                if (METRICS.contains(name) && id.startsWith("0.")) { // subtask 0: the demo runs one
                    idByMetric.put(name, id);
                }
            }
        }
        return idByMetric.size() == METRICS.size();
    }

    private static String metricName(String id) {
        return id.substring(id.lastIndexOf('.') + 1);
    }

    private static List<?> list(Object json) {
        return json instanceof List<?> l ? l : List.of();
    }

    /** The JSON answer to GET {@code url}. */
    private Object get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + url + ": HTTP " + r.statusCode());
        }
        return ServingJson.parse(r.body());
    }
}
