package io.seedflow.core.tensor;

import io.seedflow.core.error.TensorShapeMismatchException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The named fp32 tensors of a model in canonical order. The position of a tensor in this order is its tensor index,
 * which keys the perturbation generator. Mutable on purpose: updates are applied in place (no copy of the weights).
 *
 * <p>For a family with a {@linkplain io.seedflow.core.model.ModelSpec#frozenBase() frozen base}, these are the
 * trainable tensors only, and {@link #base()} is the immutable base they decorate, shared (never copied) by every
 * copy of the set: records, snapshots and weight hashes cover the trainable tensors, the base has its own hash.
 */
public final class ParameterSet {
    private final List<TensorSpec> specs;
    private final float[][] data;
    private final FrozenBase base;

    public ParameterSet(List<TensorSpec> specs) {
        this.specs = List.copyOf(specs);
        this.base = null;
        this.data = new float[specs.size()][];
        for (int i = 0; i < data.length; i++) {
            long n = specs.get(i).elementCount();
            if (n > Integer.MAX_VALUE - 8) {
                throw new TensorShapeMismatchException("tensor " + specs.get(i) + " has " + n
                        + " elements; at most 2^31-9 per tensor are supported");
            }
            data[i] = new float[(int) n];
        }
    }

    private ParameterSet(List<TensorSpec> specs, float[][] data, FrozenBase base) {
        this.specs = specs;
        this.data = data;
        this.base = base;
    }

    /**
     * A set over existing arrays, not copied (a view: writes go to {@code tensors}); each array must have its spec's
     * length.
     */
    public static ParameterSet wrap(List<TensorSpec> specs, float[][] tensors) {
        if (specs.size() != tensors.length) {
            throw new TensorShapeMismatchException(specs.size() + " tensor specs but " + tensors.length + " arrays");
        }
        for (int i = 0; i < tensors.length; i++) {
            if (tensors[i].length != specs.get(i).elementCount()) {
                throw new TensorShapeMismatchException("tensor " + specs.get(i) + " needs "
                        + specs.get(i).elementCount() + " elements, the array has " + tensors[i].length);
            }
        }
        return new ParameterSet(List.copyOf(specs), tensors.clone(), null);
    }

    /** These tensors (the same arrays, not copied) decorating {@code frozenBase}. */
    public ParameterSet withBase(FrozenBase frozenBase) {
        return new ParameterSet(specs, data, frozenBase);
    }

    /** The frozen base these tensors decorate; null for a model without one. */
    public FrozenBase base() {
        return base;
    }

    public int size() {
        return specs.size();
    }

    public List<TensorSpec> specs() {
        return specs;
    }

    public TensorSpec spec(int index) {
        return specs.get(index);
    }

    /** The live storage of tensor {@code index}; writes change the model. */
    public float[] tensor(int index) {
        return data[index];
    }

    public int indexOf(String name) {
        for (int i = 0; i < specs.size(); i++) {
            if (specs.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new TensorShapeMismatchException("no tensor named '" + name + "'; tensors are " + names());
    }

    public List<String> names() {
        List<String> names = new ArrayList<>();
        for (TensorSpec s : specs) {
            names.add(s.name());
        }
        return names;
    }

    public long parameterCount() {
        long n = 0;
        for (TensorSpec s : specs) {
            n += s.elementCount();
        }
        return n;
    }

    /** A copy of the tensors; the frozen base, immutable, is shared. */
    public ParameterSet copy() {
        float[][] c = new float[data.length][];
        for (int i = 0; i < data.length; i++) {
            c[i] = data[i].clone();
        }
        return new ParameterSet(specs, c, base);
    }

    /** Fails unless {@code other} has the same tensor names and shapes in the same order. */
    public void requireSameLayout(ParameterSet other, String what) {
        if (!specs.equals(other.specs)) {
            throw new TensorShapeMismatchException(what + ": expected tensors " + specs + " but got " + other.specs);
        }
    }

    /**
     * SHA-256 (hex) of the weights alone: for each tensor in canonical order, its elements as little-endian IEEE-754
     * binary32 bytes. Independent of file format and metadata; what replicas compare.
     */
    public String weightsSha256() {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] t : data) {
            for (float v : t) {
                if (buf.remaining() < 4) {
                    md.update(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putFloat(v);
            }
        }
        md.update(buf.array(), 0, buf.position());
        return HexFormat.of().formatHex(md.digest());
    }
}
