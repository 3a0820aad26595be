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
        boolean following = model.following();
        String body = ServingJson.write(g -> {
            g.writeStartObject();
            g.writeStringField("status", following ? "UP" : "DOWN");
            g.writeStringField("modelId", model.modelId());
            g.writeNumberField("modelVersion", version);
            if (!following) {
                g.writeStringField("message", stopReason());
            }
            g.writeEndObject();
        });
        return new Status(following ? 200 : 503, body);
    }

    String ready() {
        long version = model.read(ModelState::version).orElseThrow(() -> noWeights(model));
        return ServingJson.write(g -> {
            g.writeStartObject();
            g.writeStringField("status", "READY");
            g.writeStringField("modelId", model.modelId());
            g.writeNumberField("modelVersion", version);
            g.writeBooleanField("following", model.following());
            g.writeEndObject();
        });
    }

    String modelInfo() {
        boolean following = model.following();
        return model.read(s -> ServingJson.write(g -> {
            g.writeStartObject();
            g.writeStringField("modelId", s.modelId());
            g.writeStringField("modelSpec", s.modelSpec());
            g.writeNumberField("version", s.version());
            g.writeStringField("snapshotId", s.snapshotId());
            g.writeNumberField("bootstrapStep", s.bootstrapStep());
            g.writeStringField("weightsSha256", s.weights().weightsSha256());
            g.writeBooleanField("following", following);
            g.writeEndObject();
        })).orElseThrow(() -> noWeights(model));
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
