package io.seedflow.jobs.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import io.seedflow.core.error.InvalidTextException;
import io.seedflow.core.error.SeedFlowException;
import io.seedflow.core.json.StrictJson;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.Model;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * {@code POST /v1/predict}: class probabilities from core's {@link Model#probabilities} for the model family the
 * snapshot's spec names (the MLP takes features, the encoder texts, tokenized as training does by the
 * {@link TokenizerPool}), and the most probable class (the first on ties). A request's examples go through the model
 * as one batch, on one model version, under the model's read lock.
 *
 * <pre>
 * {"features":[784 numbers]}     -&gt; {"modelId":"m","modelVersion":12,"label":3,"probabilities":[10 numbers]}
 * {"instances":[[...],[...]]}    -&gt; {"modelId":"m","modelVersion":12,"predictions":[{"label":3,"probabilities":[...]},...]}
 * {"text":"..."}                 -&gt; {"modelId":"m","modelVersion":12,"label":1,"probabilities":[2 numbers]}
 * {"texts":["...","..."]}        -&gt; {"modelId":"m","modelVersion":12,"predictions":[{"label":1,"probabilities":[...]},...]}
 * </pre>
 */
final class PredictEndpoint implements AutoCloseable {
    private final ServedModel model;
    private final TokenizerPool tokenizers = new TokenizerPool();
    /** A model holds activation buffers, so one per request thread, with the spec text it was made from. */
    private final ThreadLocal<CachedModel> models = new ThreadLocal<>();

    PredictEndpoint(ServedModel model) {
        this.model = model;
    }

    /** The probabilities of a request's examples, in order, from the weights at {@code version}. */
    record Answer(long version, float[][] probabilities) {
    }

    private record CachedModel(String specText, Model model) {
    }

    /** The response body (JSON) to a validated request; {@link HttpError} 400, 500 or 503 if it cannot be answered. */
    String predict(PredictRequest request) {
        Answer a = answer(request, spec -> {
        });
        return ServingJson.write(g -> {
            g.writeStartObject();
            g.writeStringField("modelId", model.modelId());
            g.writeNumberField("modelVersion", a.version());
            if (!request.batch()) {
                prediction(g, a.probabilities()[0]);
            } else {
                g.writeArrayFieldStart("predictions");
                for (float[] p : a.probabilities()) {
                    g.writeStartObject();
                    prediction(g, p);
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        });
    }

    /**
     * The answer to a validated request, on one model version; {@code check} first refuses (with an
     * {@link HttpError}) a request that does not fit the served model's spec, in the words of its protocol.
     */
    Answer answer(PredictRequest request, Consumer<ModelSpec> check) {
        return model.read(state -> {
            Model m = model(state);
            check.accept(m.spec());
            request.requireInputOf(m.spec());
            return new Answer(state.version(), m.probabilities(state.weights(), batch(request, m.spec(), state)));
        }).orElseThrow(() -> StatusEndpoints.noWeights(model));
    }

    /** Closes the tokenizers (those in use when their request ends). */
    @Override
    public void close() {
        tokenizers.close();
    }

    /** The request's examples as one batch (labels 0) for {@code spec}'s model. */
    private Batch batch(PredictRequest request, ModelSpec spec, ModelState state) {
        int n = request.count();
        if (spec.inputKind() == InputKind.DENSE) {
            request.requireFeatureCount(spec.inputWidth());
            return new Batch(request.rowMajor(), new int[n], n, spec.inputWidth());
        }
        try {
            return tokenizers.batch(spec, request.texts(), request::textField);
        } catch (InvalidTextException e) {
            throw HttpError.badRequest(e.getMessage());
        } catch (SeedFlowException e) {
            throw cannotServe(state, "which cannot tokenize text (" + e.getMessage() + ")");
        }
    }

    private static void prediction(JsonGenerator g, float[] p) throws IOException {
        g.writeNumberField("label", argmax(p));
        g.writeFieldName("probabilities");
        StrictJson.writeFloats(g, p);
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

    /** The spec of the served snapshot, parsed once per thread; {@link HttpError} 500 when it is none. */
    ModelSpec spec(ModelState state) {
        return model(state).spec();
    }

    private Model model(ModelState state) {
        String text = state.modelSpec() == null ? "" : state.modelSpec();
        CachedModel cached = models.get();
        if (cached == null || !cached.specText().equals(text)) {
            ModelSpec spec;
            try {
                spec = ModelSpecs.parse(text);
            } catch (SeedFlowException e) {
                throw cannotServe(state, "expected " + ModelSpecs.FORMS + " (" + e.getMessage() + ")");
            }
            cached = new CachedModel(text, spec.newModel());
            models.set(cached);
        }
        return cached.model();
    }

    private static HttpError cannotServe(ModelState state, String why) {
        return new HttpError(500, "model '" + state.modelId() + "' cannot be served: snapshot " + state.snapshotId()
                + " has model spec '" + (state.modelSpec() == null ? "" : state.modelSpec()) + "', " + why);
    }
}
