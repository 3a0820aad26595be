package io.seedflow.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.TensorShapeMismatchException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ParameterSetTest {

    static ParameterSet randomParams(long seed) {
        ParameterSet p = new ParameterSet(List.of(
                new TensorSpec("layers.0.weight", new int[] {150, 200}), // 30000 floats: more than the 64 KiB buffer
                new TensorSpec("layers.0.bias", new int[] {150}),
                new TensorSpec("layers.1.weight", new int[] {3, 150})));
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int t = 0; t < p.size(); t++) {
            float[] a = p.tensor(t);
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rnd.nextGaussian();
            }
        }
        return p;
    }

    @Test
    void digestOfOneZeroIsSha256OfFourZeroBytes() {
        ParameterSet p = new ParameterSet(List.of(new TensorSpec("x", new int[] {1})));
        assertThat(p.weightsSha256()).isEqualTo("df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119");
    }

    @Test
    void digestIsSha256OfLittleEndianFloatsInCanonicalOrder() throws Exception {
        ParameterSet p = randomParams(1);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (int t = 0; t < p.size(); t++) {
            ByteBuffer b = ByteBuffer.allocate(p.tensor(t).length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : p.tensor(t)) {
                b.putInt(Float.floatToRawIntBits(v));
            }
            md.update(b.array());
        }
        assertThat(p.weightsSha256()).isEqualTo(HexFormat.of().formatHex(md.digest()));
    }

    @Test
    void copiesHaveEqualDigestsAndAreIndependent() {
        ParameterSet p = randomParams(2);
        ParameterSet c = p.copy();
        assertThat(c.weightsSha256()).isEqualTo(p.weightsSha256());
        assertThat(c.specs()).isEqualTo(p.specs());
        c.tensor(1)[0] += 1f;
        assertThat(c.weightsSha256()).isNotEqualTo(p.weightsSha256());
        assertThat(p.weightsSha256()).isEqualTo(randomParams(2).weightsSha256());
    }

    @Test
    void oneFlippedBitAnywhereChangesTheDigest() {
        ParameterSet p = randomParams(3);
        String before = p.weightsSha256();
        int[][] positions = {{0, 0}, {0, 16383}, {0, 16384}, {0, 29999}, {1, 77}, {2, 449}};
        for (int[] pos : positions) {
            for (int bit : new int[] {0, 22, 31}) {
                ParameterSet c = p.copy();
                float[] a = c.tensor(pos[0]);
                a[pos[1]] = Float.intBitsToFloat(Float.floatToRawIntBits(a[pos[1]]) ^ (1 << bit));
                assertThat(c.weightsSha256()).as("tensor %d element %d bit %d", pos[0], pos[1], bit)
                        .isNotEqualTo(before);
            }
        }
        assertThat(p.weightsSha256()).isEqualTo(before);
    }

    @Test
    void digestSeesSignOfZeroAndNaNPayloads() {
        ParameterSet a = new ParameterSet(List.of(new TensorSpec("x", new int[] {2})));
        ParameterSet b = a.copy();
        b.tensor(0)[1] = -0f;
        assertThat(b.weightsSha256()).isNotEqualTo(a.weightsSha256());
        a.tensor(0)[0] = Float.intBitsToFloat(0x7fc00000);
        b.tensor(0)[0] = Float.intBitsToFloat(0x7fc00001);
        b.tensor(0)[1] = 0f;
        assertThat(b.weightsSha256()).isNotEqualTo(a.weightsSha256());
    }

    @Test
    void digestDependsOnTensorBoundariesOnlyThroughTheBytes() {
        // the digest covers the weights alone (no names or shapes), as the spec defines it
        ParameterSet one = new ParameterSet(List.of(new TensorSpec("a", new int[] {4})));
        ParameterSet two = new ParameterSet(List.of(new TensorSpec("b", new int[] {1}), new TensorSpec("c", new int[] {3})));
        for (int i = 0; i < 4; i++) {
            one.tensor(0)[i] = i + 0.5f;
        }
        two.tensor(0)[0] = 0.5f;
        for (int i = 1; i < 4; i++) {
            two.tensor(1)[i - 1] = i + 0.5f;
        }
        assertThat(two.weightsSha256()).isEqualTo(one.weightsSha256());
    }

    @Test
    void requireSameLayoutAcceptsEqualLayouts() {
        randomParams(1).requireSameLayout(randomParams(9), "replica");
    }

    @Test
    void requireSameLayoutNamesExpectedAndActual() {
        ParameterSet p = randomParams(1);
        ParameterSet other = new ParameterSet(List.of(
                new TensorSpec("layers.0.weight", new int[] {150, 201}),
                new TensorSpec("layers.0.bias", new int[] {150}),
                new TensorSpec("layers.1.weight", new int[] {3, 150})));
        assertThatThrownBy(() -> p.requireSameLayout(other, "snapshot for model 'm'"))
                .isInstanceOf(TensorShapeMismatchException.class)
                .hasMessageContaining("snapshot for model 'm'")
                .hasMessageContaining("expected tensors [layers.0.weight[150, 200], layers.0.bias[150], layers.1.weight[3, 150]]")
                .hasMessageContaining("but got [layers.0.weight[150, 201], layers.0.bias[150], layers.1.weight[3, 150]]");
        ParameterSet renamed = new ParameterSet(List.of(
                new TensorSpec("layers.0.weight", new int[] {150, 200}),
                new TensorSpec("layers.0.b", new int[] {150}),
                new TensorSpec("layers.1.weight", new int[] {3, 150})));
        assertThatThrownBy(() -> p.requireSameLayout(renamed, "x")).isInstanceOf(TensorShapeMismatchException.class)
                .hasMessageContaining("layers.0.b[150]");
        ParameterSet reordered = new ParameterSet(List.of(p.spec(1), p.spec(0), p.spec(2)));
        assertThatThrownBy(() -> p.requireSameLayout(reordered, "x")).isInstanceOf(TensorShapeMismatchException.class);
    }

    @Test
    void lookupAndCounts() {
        ParameterSet p = randomParams(1);
        assertThat(p.size()).isEqualTo(3);
        assertThat(p.names()).containsExactly("layers.0.weight", "layers.0.bias", "layers.1.weight");
        assertThat(p.indexOf("layers.1.weight")).isEqualTo(2);
        assertThat(p.parameterCount()).isEqualTo(30000 + 150 + 450);
        assertThat(p.tensor(0)).hasSize(30000);
        assertThatThrownBy(() -> p.indexOf("nope")).isInstanceOf(TensorShapeMismatchException.class)
                .hasMessageContaining("'nope'").hasMessageContaining("layers.0.bias");
    }

    @Test
    void tensorSpecRejectsNonPositiveDimensionsAndIsAValue() {
        assertThatThrownBy(() -> new TensorSpec("w", new int[] {3, 0})).isInstanceOf(TensorShapeMismatchException.class)
                .hasMessageContaining("'w'").hasMessageContaining("[3, 0]");
        assertThatThrownBy(() -> new TensorSpec("", new int[] {1})).isInstanceOf(IllegalArgumentException.class);
        int[] shape = {2, 3};
        TensorSpec s = new TensorSpec("w", shape);
        shape[0] = 99; // defensive copy
        assertThat(s.shape()).containsExactly(2, 3);
        assertThat(s).isEqualTo(new TensorSpec("w", new int[] {2, 3})).hasSameHashCodeAs(new TensorSpec("w", new int[] {2, 3}));
        assertThat(s).isNotEqualTo(new TensorSpec("w", new int[] {3, 2}));
        assertThat(s.rank()).isEqualTo(2);
        assertThat(s.elementCount()).isEqualTo(6);
        assertThat(s.toString()).isEqualTo("w[2, 3]");
    }

    @Test
    void refusesTensorsBeyondJavaArrayLimits() {
        assertThatThrownBy(() -> new ParameterSet(List.of(new TensorSpec("huge", new int[] {65536, 65536}))))
                .isInstanceOf(TensorShapeMismatchException.class).hasMessageContaining("huge");
    }
}
