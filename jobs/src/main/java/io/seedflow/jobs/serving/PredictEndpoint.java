package io.seedflow.jobs.serving;

import io.seedflow.core.error.SeedFlowException;
import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;

/**
 * {@code POST /v1/predict}: class probabilities from core's {@link Mlp#probabilities} and the most probable class
 * (the first on ties), every example of a request computed on one model version, under the model's read lock.
 *
 * <pre>
 * {"features":[784 numbers]}     -&gt; {"modelId":"m","modelVersion":12,"label":3,"probabilities":[10 numbers]}
 * {"instances":[[...],[...]]}    -&gt; {"modelId":"m","modelVersion":12,"predictions":[{"label":3,"probabilities":[...]},...]}
 * </pre>
 */
final class PredictEndpoint {
    private final ServedModel model;
    /** Mlp holds activation buffers, so one per request thread, with the spec text it was made from. */
    private final ThreadLocal<CachedMlp> mlps = new ThreadLocal<>();

    PredictEndpoint(ServedModel model) {
        this.model = model;
    }

    private record Answer(long version, float[][] probabilities) {
    }

    private record CachedMlp(String specText, Mlp mlp) {
    }

    /** The response body (JSON) to a validated request; {@link HttpError} 400 or 503 if it cannot be answered. */
    String predict(PredictRequest request) {
        Answer a = model.read(state -> {
            Mlp mlp = mlp(state);
            request.requireFeatureCount(mlp.spec().inputs());
            return new Answer(state.version(), mlp.probabilities(state.weights(), request.rowMajor(),
                    request.count()));
        }).orElseThrow(() -> StatusEndpoints.noWeights(model));
        JsonWriter w = new JsonWriter().beginObject()
                .name("modelId").value(model.modelId())
                .name("modelVersion").value(a.version());
        if (!request.batch()) {
            prediction(w, a.probabilities()[0]);
        } else {
            w.name("predictions").beginArray();
            for (float[] p : a.probabilities()) {
                prediction(w.beginObject(), p).endObject();
            }
            w.endArray();
        }
        return w.endObject().toString();
    }

    private static JsonWriter prediction(JsonWriter w, float[] p) {
        return w.name("label").value(argmax(p)).name("probabilities").array(p);
    }

    /** Index of the largest probability, the first one on ties. */
    static int argmax(float[] p) {
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return best;
    }

    private Mlp mlp(ModelState state) {
        String text = state.modelSpec() == null ? "" : state.modelSpec();
        CachedMlp cached = mlps.get();
        if (cached == null || !cached.specText().equals(text)) {
            MlpSpec spec;
            try {
                spec = MlpSpec.parse(text);
            } catch (SeedFlowException e) {
                throw new HttpError(500, "model '" + state.modelId() + "' cannot be served: snapshot "
                        + state.snapshotId() + " has model spec '" + text
                        + "', expected an MLP spec such as mlp:784x64x10:relu (" + e.getMessage() + ")");
            }
            cached = new CachedMlp(text, new Mlp(spec));
            mlps.set(cached);
        }
        return cached.mlp();
    }
}
