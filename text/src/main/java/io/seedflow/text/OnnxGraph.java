package io.seedflow.text;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.seedflow.core.error.PretrainedModelException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Read-only index of an ONNX graph: initializers by name, nodes by name, the producer and the consumers of every
 * value, and fp32 decoding of initializers and {@code Constant} nodes. Every lookup that fails throws a
 * {@link PretrainedModelException} naming what was looked for.
 */
final class OnnxGraph {
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, NodeProto> nodes = new HashMap<>();
    private final Map<String, NodeProto> producers = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();

    OnnxGraph(GraphProto graph) {
        for (TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        for (NodeProto n : graph.getNodeList()) {
            nodes.put(n.getName(), n);
            for (String out : n.getOutputList()) {
                producers.put(out, n);
            }
            for (String in : n.getInputList()) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
    }

    /** The initializer {@code name}; {@code what} says which tensor of the model it is, for the error. */
    TensorProto initializer(String name, String what) {
        TensorProto t = initializers.get(name);
        if (t == null) {
            throw new PretrainedModelException(what + ": the ONNX graph has no initializer '" + name + "'");
        }
        return t;
    }

    /** The node called {@code name} with operator {@code opType}. */
    NodeProto node(String name, String opType) {
        NodeProto n = nodes.get(name);
        if (n == null || !n.getOpType().equals(opType)) {
            throw new PretrainedModelException("the ONNX graph has no " + opType + " node '" + name + "'"
                    + (n == null ? "" : " (found a " + n.getOpType() + " node of that name)"));
        }
        return n;
    }

    /** Every node of operator {@code opType} whose name starts with {@code prefix}, in graph order. */
    List<NodeProto> nodes(String prefix, String opType) {
        List<NodeProto> found = new ArrayList<>();
        for (NodeProto n : nodes.values()) {
            if (n.getOpType().equals(opType) && n.getName().startsWith(prefix)) {
                found.add(n);
            }
        }
        found.sort((a, b) -> a.getName().compareTo(b.getName()));
        return found;
    }

    /** The node that produces {@code value}, which must be of operator {@code opType}. */
    NodeProto producer(String value, String opType) {
        NodeProto n = producers.get(value);
        if (n == null || !n.getOpType().equals(opType)) {
            throw new PretrainedModelException("value '" + value + "' of the ONNX graph: expected it to come from a "
                    + opType + " node, found " + (n == null ? "none" : n.getOpType() + " '" + n.getName() + "'"));
        }
        return n;
    }

    /** The one consumer of {@code node}'s first output, which must be of operator {@code opType}. */
    NodeProto onlyConsumer(NodeProto node, String opType) {
        List<NodeProto> c = consumers.getOrDefault(node.getOutput(0), List.of());
        if (c.size() != 1 || !c.get(0).getOpType().equals(opType)) {
            throw new PretrainedModelException("node '" + node.getName() + "' of the ONNX graph: expected exactly one "
                    + opType + " node to consume its output, found " + c.stream().map(NodeProto::getOpType).toList());
        }
        return c.get(0);
    }

    /** The other input of a binary node, given one of its inputs. */
    static String otherInput(NodeProto node, String input) {
        if (node.getInputCount() != 2 || !node.getInputList().contains(input)) {
            throw new PretrainedModelException("node '" + node.getName() + "' of the ONNX graph: expected two inputs, "
                    + "one of them '" + input + "', found " + node.getInputList());
        }
        return node.getInput(0).equals(input) ? node.getInput(1) : node.getInput(0);
    }

    /**
     * The scalar fp32 constant among {@code node}'s inputs (from a {@code Constant} node or an initializer); exactly
     * one input must be one.
     */
    float constantOperand(NodeProto node) {
        Float found = null;
        for (String in : node.getInputList()) {
            TensorProto t = constantTensor(in);
            if (t != null) {
                if (found != null) {
                    throw new PretrainedModelException("node '" + node.getName() + "' has more than one constant input");
                }
                float[] v = floats(t, "constant input '" + in + "' of node '" + node.getName() + "'");
                if (v.length != 1) {
                    throw new PretrainedModelException("constant input '" + in + "' of node '" + node.getName()
                            + "': expected a scalar, found " + v.length + " values");
                }
                found = v[0];
            }
        }
        if (found == null) {
            throw new PretrainedModelException("node '" + node.getName() + "' has no constant input; inputs "
                    + node.getInputList());
        }
        return found;
    }

    /** The one input of a binary {@code node} that is not a constant. */
    String variableInput(NodeProto node) {
        List<String> variable = node.getInputList().stream().filter(in -> constantTensor(in) == null).toList();
        if (variable.size() != 1) {
            throw new PretrainedModelException("node '" + node.getName() + "' of the ONNX graph: expected one "
                    + "non-constant input, found " + variable);
        }
        return variable.get(0);
    }

    private TensorProto constantTensor(String value) {
        NodeProto p = producers.get(value);
        if (p != null && p.getOpType().equals("Constant")) {
            for (AttributeProto a : p.getAttributeList()) {
                if (a.getName().equals("value") && a.hasT()) {
                    return a.getT();
                }
            }
        }
        return p == null ? initializers.get(value) : null;
    }

    /** Dimensions of an initializer. */
    static int[] dims(TensorProto t) {
        int[] d = new int[t.getDimsCount()];
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.toIntExact(t.getDims(i));
        }
        return d;
    }

    /** The fp32 values of a tensor (raw little-endian bytes or the float_data field), row-major. */
    static float[] floats(TensorProto t, String what) {
        if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
            throw new PretrainedModelException(what + ": expected fp32 data (ONNX data type "
                    + TensorProto.DataType.FLOAT_VALUE + "), found data type " + t.getDataType());
        }
        long count = 1;
        for (long d : t.getDimsList()) {
            count *= d;
        }
        float[] v;
        if (!t.getRawData().isEmpty()) {
            if (t.getRawData().size() != count * Float.BYTES) {
                throw new PretrainedModelException(what + ": " + count + " elements need " + count * Float.BYTES
                        + " bytes of raw data, found " + t.getRawData().size());
            }
            v = new float[(int) count];
            FloatBuffer fb = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            fb.get(v);
        } else {
            if (t.getFloatDataCount() != count) {
                throw new PretrainedModelException(what + ": " + count + " elements expected, found "
                        + t.getFloatDataCount() + " in float_data");
            }
            v = new float[(int) count];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.getFloatData(i);
            }
        }
        return v;
    }
}
