package io.seedflow.text;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.seedflow.core.error.PretrainedModelException;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.tensor.TensorSpec;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the body of a BERT-style encoder exported by PyTorch's ONNX exporter (as all-MiniLM-L6-v2's
 * {@code model.onnx}) into {@link EncoderSpec}'s canonical tensor order.
 *
 * <p>Embedding and LayerNorm tensors are found by their Hugging Face names. The 6 weight matrices of each block are
 * unnamed initializers ({@code onnx::MatMul_885}, ...) that the exporter already stored transposed, {@code [in, out]},
 * which is the canonical layout: each is found as the initializer input of the {@code MatMul} node on the block's
 * graph path ({@code /encoder/layer.<l>/attention/self/query/MatMul}, ...), and its bias as the initializer input of
 * the {@code Add} node that consumes that MatMul's output, whose name must be the Hugging Face bias name of the same
 * path. Every shape is checked against the spec's {@link TensorSpec}.
 */
public final class OnnxEncoderReader {
    /** Canonical projection name → graph path inside {@code /encoder/layer.<l>/}, in canonical order. */
    private static final String[][] PROJECTIONS = {
        {"query", "attention/self/query"},
        {"key", "attention/self/key"},
        {"value", "attention/self/value"},
        {"attention_out", "attention/output/dense"},
        {"ffn_in", "intermediate/dense"},
        {"ffn_out", "output/dense"},
    };

    private OnnxEncoderReader() {
    }

    /**
     * Every tensor of {@code spec} before {@code head.weight}, in canonical order, each of its spec's exact shape.
     *
     * @throws PretrainedModelException naming the canonical tensor (and the ONNX initializer) when one is missing,
     *     has another shape or is not fp32
     */
    public static float[][] readBody(ModelProto model, EncoderSpec spec) {
        OnnxGraph g = new OnnxGraph(model.getGraph());
        List<TensorSpec> specs = spec.tensorSpecs();
        float[][] body = new float[spec.headTensor()][];
        body[0] = named(g, specs.get(0), "embeddings.word_embeddings.weight");
        body[1] = named(g, specs.get(1), "embeddings.position_embeddings.weight");
        body[2] = named(g, specs.get(2), "embeddings.token_type_embeddings.weight");
        body[3] = named(g, specs.get(3), "embeddings.LayerNorm.weight");
        body[4] = named(g, specs.get(4), "embeddings.LayerNorm.bias");
        for (int l = 0; l < spec.layers(); l++) {
            int t = spec.layerTensor(l);
            String hf = "encoder.layer." + l + ".";
            for (int p = 0; p < 4; p++) {
                readProjection(g, specs, body, t + 2 * p, l, PROJECTIONS[p][1]);
            }
            body[t + 8] = named(g, specs.get(t + 8), hf + "attention.output.LayerNorm.weight");
            body[t + 9] = named(g, specs.get(t + 9), hf + "attention.output.LayerNorm.bias");
            readProjection(g, specs, body, t + 10, l, PROJECTIONS[4][1]);
            readProjection(g, specs, body, t + 12, l, PROJECTIONS[5][1]);
            body[t + 14] = named(g, specs.get(t + 14), hf + "output.LayerNorm.weight");
            body[t + 15] = named(g, specs.get(t + 15), hf + "output.LayerNorm.bias");
        }
        return body;
    }

    /**
     * The constants of the graph that SeedFlow's forward hardcodes, read from its nodes (LayerNorm epsilon, GELU form,
     * attention scale divisor, attention-mask constant).
     */
    public static GraphConstants readConstants(ModelProto model, EncoderSpec spec) {
        return GraphConstants.read(new OnnxGraph(model.getGraph()), spec);
    }

    /** {@link #readConstants} checked against {@link GraphConstants#expected}: throws naming the first that differs. */
    public static GraphConstants checkConstants(ModelProto model, EncoderSpec spec) {
        GraphConstants found = readConstants(model, spec);
        found.requireEqual(GraphConstants.expected(spec));
        return found;
    }

    /** Weight and bias of one projection, at canonical indices {@code t} and {@code t + 1}. */
    private static void readProjection(OnnxGraph g, List<TensorSpec> specs, float[][] body, int t, int layer,
            String path) {
        TensorSpec weightSpec = specs.get(t);
        String nodePath = "/encoder/layer." + layer + "/" + path;
        NodeProto matMul;
        try {
            matMul = g.node(nodePath + "/MatMul", "MatMul");
        } catch (PretrainedModelException e) {
            throw new PretrainedModelException(weightSpec.name() + ": " + e.getMessage(), e);
        }
        String weightName = matMul.getInput(1);
        body[t] = checked(g.initializer(weightName, weightSpec.name() + " (input B of MatMul '" + matMul.getName()
                + "')"), weightSpec, weightName);

        TensorSpec biasSpec = specs.get(t + 1);
        String expectedBias = "encoder.layer." + layer + "." + path.replace('/', '.') + ".bias";
        NodeProto add;
        try {
            add = g.onlyConsumer(matMul, "Add");
        } catch (PretrainedModelException e) {
            throw new PretrainedModelException(biasSpec.name() + ": " + e.getMessage(), e);
        }
        String biasName = OnnxGraph.otherInput(add, matMul.getOutput(0));
        if (!biasName.equals(expectedBias)) {
            throw new PretrainedModelException(biasSpec.name() + ": the Add node '" + add.getName() + "' after MatMul '"
                    + matMul.getName() + "' adds '" + biasName + "', expected the initializer '" + expectedBias + "'");
        }
        body[t + 1] = checked(g.initializer(biasName, biasSpec.name() + " (bias of Add '" + add.getName() + "')"),
                biasSpec, biasName);
    }

    private static float[] named(OnnxGraph g, TensorSpec spec, String onnxName) {
        return checked(g.initializer(onnxName, spec.name()), spec, onnxName);
    }

    private static float[] checked(TensorProto t, TensorSpec spec, String onnxName) {
        int[] found = OnnxGraph.dims(t);
        if (!Arrays.equals(found, spec.shape())) {
            throw new PretrainedModelException(spec.name() + " (ONNX initializer '" + onnxName + "'): expected shape "
                    + spec.shapeString() + ", found " + Arrays.toString(found));
        }
        return OnnxGraph.floats(t, spec.name() + " (ONNX initializer '" + onnxName + "')");
    }
}
