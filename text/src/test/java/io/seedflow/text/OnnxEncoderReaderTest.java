package io.seedflow.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.seedflow.core.error.PretrainedModelException;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.tensor.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OnnxEncoderReaderTest {
    private static final EncoderSpec SPEC = EncoderSpec.miniLm(2, 128);
    private static ModelProto model;

    @BeforeAll
    static void parse() {
        model = MiniLmResources.model();
    }

    @Test
    void realFileMapsEveryBodyTensorWithItsShape() {
        float[][] body = OnnxEncoderReader.readBody(model, SPEC);
        List<TensorSpec> specs = SPEC.tensorSpecs();
        assertThat(body.length).isEqualTo(SPEC.headTensor()).isEqualTo(5 + 16 * 6);
        long total = 0;
        for (int t = 0; t < body.length; t++) {
            assertThat((long) body[t].length).as(specs.get(t).name()).isEqualTo(specs.get(t).elementCount());
            total += body[t].length;
        }
        // all-MiniLM-L6-v2 without its pooler: 22,565,376 parameters
        assertThat(total).isEqualTo(22_565_376L);
    }

    @Test
    void matricesComeFromTheMatMulsOfTheirGraphPathAndAreEachUsedOnce() {
        float[][] body = OnnxEncoderReader.readBody(model, SPEC);
        // the exporter numbers the unnamed initializers in graph order: q, k, v, attention out, ffn in, ffn out
        assertThat(body[SPEC.layerTensor(0)]).isEqualTo(initializer("onnx::MatMul_885"));
        assertThat(body[SPEC.layerTensor(0) + 2]).isEqualTo(initializer("onnx::MatMul_886"));
        assertThat(body[SPEC.layerTensor(0) + 4]).isEqualTo(initializer("onnx::MatMul_889"));
        assertThat(body[SPEC.layerTensor(0) + 6]).isEqualTo(initializer("onnx::MatMul_895"));
        assertThat(body[SPEC.layerTensor(5) + 10]).isEqualTo(initializer("onnx::MatMul_961"));
        assertThat(body[SPEC.layerTensor(5) + 12]).isEqualTo(initializer("onnx::MatMul_962"));
        assertThat(body[SPEC.layerTensor(3) + 1]).isEqualTo(initializer("encoder.layer.3.attention.self.query.bias"));
        assertThat(body[SPEC.layerTensor(3) + 15]).isEqualTo(initializer("encoder.layer.3.output.LayerNorm.bias"));
        assertThat(body[0]).isEqualTo(initializer("embeddings.word_embeddings.weight"));
        Set<Integer> distinct = new HashSet<>();
        for (int l = 0; l < 6; l++) {
            for (int k : new int[] {0, 2, 4, 6, 10, 12}) {
                distinct.add(System.identityHashCode(body[SPEC.layerTensor(l) + k]));
                assertThat(body[SPEC.layerTensor(l) + k]).isNotEqualTo(body[SPEC.layerTensor((l + 1) % 6) + k]);
            }
        }
        assertThat(distinct).hasSize(36);
    }

    @Test
    void graphConstantsAreTheOnesTheForwardHardcodes() {
        GraphConstants c = OnnxEncoderReader.checkConstants(model, SPEC);
        System.out.println("all-MiniLM-L6-v2 graph constants: " + c);
        assertThat(c.layerNormEpsilon()).isEqualTo(1e-12f);
        assertThat(c.gelu()).isEqualTo("x * (1.0 + erf(x / 1.4142135)) * 0.5");
        assertThat(c.attentionScaleDivisor()).isEqualTo((float) Math.sqrt(32));
        assertThat(c.maskValue()).isEqualTo(-Float.MAX_VALUE);
    }

    @Test
    void aMissingMatrixIsNamedByItsCanonicalAndOnnxNames() {
        ModelProto doctored = withGraph(g -> g.removeInitializer(indexOf(g, "onnx::MatMul_909")));
        assertThatThrownBy(() -> OnnxEncoderReader.readBody(doctored, SPEC))
                .isInstanceOf(PretrainedModelException.class)
                .hasMessage("layers.1.ffn_in.weight (input B of MatMul '/encoder/layer.1/intermediate/dense/MatMul'): "
                        + "the ONNX graph has no initializer 'onnx::MatMul_909'");
    }

    @Test
    void aMissingNamedTensorIsNamed() {
        ModelProto doctored = withGraph(g -> g.removeInitializer(indexOf(g, "embeddings.LayerNorm.weight")));
        assertThatThrownBy(() -> OnnxEncoderReader.readBody(doctored, SPEC))
                .isInstanceOf(PretrainedModelException.class)
                .hasMessage("embeddings.norm.weight: the ONNX graph has no initializer 'embeddings.LayerNorm.weight'");
    }

    @Test
    void aWrongShapeNamesTheTensorAndBothShapes() {
        String name = "encoder.layer.2.intermediate.dense.bias";
        ModelProto doctored = withGraph(g -> {
            int i = indexOf(g, name);
            TensorProto t = g.getInitializer(i);
            g.setInitializer(i, t.toBuilder().clearDims().addDims(1535)
                    .setRawData(t.getRawData().substring(0, 1535 * 4)).build());
        });
        assertThatThrownBy(() -> OnnxEncoderReader.readBody(doctored, SPEC))
                .isInstanceOf(PretrainedModelException.class)
                .hasMessage("layers.2.ffn_in.bias (ONNX initializer '" + name + "'): expected shape [1536], found [1535]");
    }

    @Test
    void aDifferentEpsilonFailsNamingWhereAndBothValues() {
        ModelProto doctored = withConstant("/encoder/layer.3/output/LayerNorm/Constant_1_output_0", 1e-5f);
        assertThatThrownBy(() -> OnnxEncoderReader.checkConstants(doctored, SPEC))
                .isInstanceOf(PretrainedModelException.class)
                .hasMessage("ONNX graph: LayerNorm epsilon at /encoder/layer.3/ is 1.0E-5, earlier nodes have 1.0E-12");
    }

    @Test
    void anotherMaskConstantFails() {
        ModelProto doctored = withConstant("/Constant_4_output_0", -10000f);
        assertThatThrownBy(() -> OnnxEncoderReader.checkConstants(doctored, SPEC))
                .isInstanceOf(PretrainedModelException.class)
                .hasMessageContaining("attention mask value: the forward hardcodes -3.4028235E38, the graph has -10000.0");
    }

    @Test
    void aGeluWithoutErfFails() {
        ModelProto doctored = withGraph(g -> {
            for (int l = 0; l < 6; l++) {
                String name = "/encoder/layer." + l + "/intermediate/intermediate_act_fn/Erf";
                int i = nodeIndex(g, name);
                g.setNode(i, g.getNode(i).toBuilder().setOpType("Tanh").build());
            }
        });
        assertThatThrownBy(() -> OnnxEncoderReader.checkConstants(doctored, SPEC))
                .isInstanceOf(PretrainedModelException.class)
                .hasMessageStartingWith("ONNX graph constant GELU form: the forward computes "
                        + "x * (1.0 + erf(x / 1.4142135)) * 0.5, the graph computes an activation without a single Erf node");
    }

    private static float[] initializer(String name) {
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (t.getName().equals(name)) {
                return OnnxGraph.floats(t, name);
            }
        }
        throw new AssertionError("no initializer " + name);
    }

    private static ModelProto withGraph(java.util.function.Consumer<GraphProto.Builder> edit) {
        ModelProto.Builder b = model.toBuilder();
        edit.accept(b.getGraphBuilder());
        return b.build();
    }

    private static ModelProto withConstant(String output, float value) {
        ByteString raw = ByteString.copyFrom(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, value));
        return withGraph(g -> {
            for (int i = 0; i < g.getNodeCount(); i++) {
                NodeProto n = g.getNode(i);
                if (n.getOpType().equals("Constant") && n.getOutput(0).equals(output)) {
                    AttributeProto a = n.getAttribute(0);
                    g.setNode(i, n.toBuilder().setAttribute(0, a.toBuilder().setT(a.getT().toBuilder().setRawData(raw)))
                            .build());
                    return;
                }
            }
            throw new AssertionError("no Constant node with output " + output);
        });
    }

    private static int indexOf(GraphProto.Builder g, String initializer) {
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals(initializer)) {
                return i;
            }
        }
        throw new AssertionError("no initializer " + initializer);
    }

    private static int nodeIndex(GraphProto.Builder g, String name) {
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getName().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no node " + name);
    }
}
