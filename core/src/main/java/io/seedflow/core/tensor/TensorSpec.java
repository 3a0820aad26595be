package io.seedflow.core.tensor;

import io.seedflow.core.error.TensorShapeMismatchException;
import java.util.Arrays;

/** Name and shape of one fp32 parameter tensor; elements are stored row-major (last index fastest). */
public record TensorSpec(String name, int[] shape) {
    public TensorSpec {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must be non-empty");
        }
        shape = shape.clone();
        for (int d : shape) {
            if (d <= 0) {
                throw new TensorShapeMismatchException("tensor '" + name + "': every dimension must be > 0, got "
                        + Arrays.toString(shape));
            }
        }
    }

    public int rank() {
        return shape.length;
    }

    public long elementCount() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && t.name.equals(name) && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + shapeString();
    }
}
