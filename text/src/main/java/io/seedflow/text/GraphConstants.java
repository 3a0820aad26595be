package io.seedflow.text;

import ai.onnx.proto.OnnxMl.NodeProto;
import io.seedflow.core.error.PretrainedModelException;
import io.seedflow.core.model.encoder.EncoderSpec;
import java.util.List;

/**
 * The constants of an exported BERT graph that are not initializers but that a re-implementation of its forward has
 * to hardcode; they live in {@code Constant} nodes of the decomposed operators.
 *
 * @param layerNormEpsilon the epsilon added to the variance in every LayerNorm ({@code Add} before {@code Sqrt})
 * @param gelu the feed-forward activation as the graph computes it, e.g.
 *     {@code x * (1 + erf(x / 1.4142135)) * 0.5} (exact, erf-based GELU)
 * @param attentionScaleDivisor what the attention scores {@code QK^T} are divided by (sqrt of the head size)
 * @param maskValue what a padded key adds to the scores: {@code (1 - mask) * maskValue}
 */
public record GraphConstants(float layerNormEpsilon, String gelu, float attentionScaleDivisor, float maskValue) {

    /**
     * What SeedFlow's encoder forward assumes: BERT's epsilon, the erf GELU, scores divided by sqrt(head size), and
     * padded keys at fp32's lowest value, so that their softmax weight is exactly 0, the same as skipping them.
     */
    public static GraphConstants expected(EncoderSpec spec) {
        return new GraphConstants(EncoderSpec.LAYER_NORM_EPSILON, geluForm((float) Math.sqrt(2), 1f, 0.5f),
                (float) Math.sqrt(spec.headSize()), -Float.MAX_VALUE);
    }

    /** Throws naming the first constant of this graph that differs from {@code expected}, with both values. */
    public void requireEqual(GraphConstants expected) {
        require("LayerNorm epsilon", layerNormEpsilon, expected.layerNormEpsilon);
        if (!gelu.equals(expected.gelu)) {
            throw new PretrainedModelException("ONNX graph constant GELU form: the forward computes " + expected.gelu
                    + ", the graph computes " + gelu);
        }
        require("attention scale divisor", attentionScaleDivisor, expected.attentionScaleDivisor);
        require("attention mask value", maskValue, expected.maskValue);
    }

    private static void require(String what, float found, float expected) {
        if (Float.floatToIntBits(found) != Float.floatToIntBits(expected)) {
            throw new PretrainedModelException("ONNX graph constant " + what + ": the forward hardcodes " + expected
                    + ", the graph has " + found + "; the model file does not match SeedFlow's encoder");
        }
    }

    static GraphConstants read(OnnxGraph g, EncoderSpec spec) {
        Float eps = null;
        Float divisor = null;
        String gelu = null;
        eps = same("LayerNorm epsilon", eps, layerNormEpsilon(g, "/embeddings/LayerNorm"), "/embeddings/LayerNorm");
        for (int l = 0; l < spec.layers(); l++) {
            String layer = "/encoder/layer." + l + "/";
            eps = same("LayerNorm epsilon", eps, layerNormEpsilon(g, layer + "attention/output/LayerNorm"), layer);
            eps = same("LayerNorm epsilon", eps, layerNormEpsilon(g, layer + "output/LayerNorm"), layer);
            divisor = same("attention scale divisor", divisor,
                    g.constantOperand(g.node(layer + "attention/self/Div", "Div")), layer);
            String form = gelu(g, layer + "intermediate/");
            if (gelu != null && !gelu.equals(form)) {
                throw new PretrainedModelException("ONNX graph: the activation of " + layer + " is " + form
                        + ", earlier layers use " + gelu);
            }
            gelu = form;
        }
        return new GraphConstants(eps, gelu, divisor, maskValue(g));
    }

    private static Float same(String what, Float before, float now, String where) {
        if (before != null && Float.floatToIntBits(before) != Float.floatToIntBits(now)) {
            throw new PretrainedModelException("ONNX graph: " + what + " at " + where + " is " + now
                    + ", earlier nodes have " + before);
        }
        return now;
    }

    /** LayerNorm decomposed as Sub(x, mean) / Sqrt(ReduceMean(Pow(., 2)) + eps): the constant of the Add. */
    private static float layerNormEpsilon(OnnxGraph g, String path) {
        NodeProto sqrt = g.node(path + "/Sqrt", "Sqrt");
        return g.constantOperand(g.producer(sqrt.getInput(0), "Add"));
    }

    /** The activation of one feed-forward: Mul(Mul(x, Add(Erf(Div(x, a)), b)), c) gives "x * (b + erf(x / a)) * c". */
    private static String gelu(OnnxGraph g, String path) {
        List<NodeProto> erf = g.nodes(path, "Erf");
        if (erf.size() != 1) {
            return "an activation without a single Erf node (found " + erf.size() + "; tanh-approximated GELU or other)";
        }
        float a = g.constantOperand(g.producer(erf.get(0).getInput(0), "Div"));
        NodeProto add = g.onlyConsumer(erf.get(0), "Add");
        float b = g.constantOperand(add);
        NodeProto mul = g.onlyConsumer(add, "Mul");
        float c = g.constantOperand(g.onlyConsumer(mul, "Mul"));
        return geluForm(a, b, c);
    }

    private static String geluForm(float a, float b, float c) {
        return "x * (" + b + " + erf(x / " + a + ")) * " + c;
    }

    /**
     * The extended attention mask: Mul(Sub(1, Cast(mask)), value), added to the scaled scores of layer 0 (every layer
     * adds the same value).
     */
    private static float maskValue(OnnxGraph g) {
        NodeProto add = g.node("/encoder/layer.0/attention/self/Add", "Add");
        NodeProto div = g.node("/encoder/layer.0/attention/self/Div", "Div");
        NodeProto mul = g.producer(OnnxGraph.otherInput(add, div.getOutput(0)), "Mul");
        float value = g.constantOperand(mul);
        NodeProto sub = g.producer(g.variableInput(mul), "Sub");
        float one = g.constantOperand(sub);
        if (one != 1f) {
            throw new PretrainedModelException("ONNX graph: the attention mask is (" + one + " - mask) * " + value
                    + ", expected (1 - mask) * value");
        }
        return value;
    }
}
