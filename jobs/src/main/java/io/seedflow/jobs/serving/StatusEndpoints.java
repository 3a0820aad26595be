package io.seedflow.jobs.serving;

import java.util.Optional;

/**
 * {@code GET /health} (liveness), {@code GET /ready} (readiness) and {@code GET /v1/model}. Each returns the response
 * body, or throws {@link HttpError} 503 with the reason.
 *
 * <ul>
 *   <li>{@code /health}: 200 {@code {"status":"UP","modelId":..,"modelVersion":N}} while the weights follow their
 *       source (-1 before the first bootstrap); 503 {@code {"status":"DOWN",...,"message":"<error>"}} once that
 *       stopped, so that an orchestrator restarts the process.</li>
 *   <li>{@code /ready}: 200 {@code {"status":"READY","modelId":..,"modelVersion":N,"following":true|false}} once
 *       there are weights to serve, else 503. A replica that stopped following keeps serving its last version
 *       (correct weights of that version, only stale): readiness stays, liveness reports the failure.</li>
 *   <li>{@code /v1/model}: 200 {@code {"modelId","modelSpec","version","snapshotId","bootstrapStep","weightsSha256",
 *       "following"}}, else 503.</li>
 * </ul>
 */
final class StatusEndpoints {
    private final ServedModel model;

    StatusEndpoints(ServedModel model) {
        this.model = model;
    }

    /** Response to {@code /health}: the status code and the body. */
    record Status(int code, String body) {
    }

    Status health() {
        long version = model.read(ModelState::version).orElse(-1L);
        JsonWriter w = new JsonWriter().beginObject();
        if (model.following()) {
            w.name("status").value("UP");
        } else {
            w.name("status").value("DOWN");
        }
        w.name("modelId").value(model.modelId()).name("modelVersion").value(version);
        if (!model.following()) {
            w.name("message").value(stopReason());
        }
        return new Status(model.following() ? 200 : 503, w.endObject().toString());
    }

    String ready() {
        long version = model.read(ModelState::version).orElseThrow(() -> noWeights(model));
        return new JsonWriter().beginObject().name("status").value("READY")
                .name("modelId").value(model.modelId())
                .name("modelVersion").value(version)
                .name("following").value(model.following())
                .endObject().toString();
    }

    String modelInfo() {
        boolean following = model.following();
        return model.read(s -> new JsonWriter().beginObject()
                        .name("modelId").value(s.modelId())
                        .name("modelSpec").value(s.modelSpec())
                        .name("version").value(s.version())
                        .name("snapshotId").value(s.snapshotId())
                        .name("bootstrapStep").value(s.bootstrapStep())
                        .name("weightsSha256").value(s.weights().weightsSha256())
                        .name("following").value(following)
                        .endObject().toString())
                .orElseThrow(() -> noWeights(model));
    }

    private String stopReason() {
        Optional<Exception> e = model.error();
        return e.map(x -> "stopped following " + model.source() + ": " + x.getClass().getSimpleName() + ": "
                + x.getMessage()).orElse("stopped following " + model.source());
    }

    /** 503 for a request that needs weights while there are none yet (or none ever, after an early error). */
    static HttpError noWeights(ServedModel model) {
        Optional<Exception> e = model.error();
        if (e.isPresent()) {
            return HttpError.unavailable("model '" + model.modelId() + "' has no weights: the replica stopped "
                    + "before its first bootstrap: " + e.get().getClass().getSimpleName() + ": " + e.get().getMessage());
        }
        return HttpError.unavailable("model '" + model.modelId() + "' has no weights yet: the replica is "
                + "bootstrapping from " + model.source() + "; retry shortly");
    }
}
