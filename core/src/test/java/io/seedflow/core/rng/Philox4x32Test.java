package io.seedflow.core.rng;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Philox4x32-10 against the Random123 known-answer vectors (kat_vectors, philox4x32_10), as in spec section 3.1. */
class Philox4x32Test {

    @ParameterizedTest(name = "ctr {0} {1} {2} {3} key {4} {5}")
    @CsvSource({
        "00000000,00000000,00000000,00000000, 00000000,00000000, 6627e8d5,e169c58d,bc57ac4c,9b00dbd8",
        "ffffffff,ffffffff,ffffffff,ffffffff, ffffffff,ffffffff, 408f276d,41c83b0e,a20bc7c6,6d5451fd",
        "243f6a88,85a308d3,13198a2e,03707344, a4093822,299f31d0, d16cfe09,94fdcceb,5001e420,24126ea1",
    })
    void matchesRandom123KnownAnswers(String c0, String c1, String c2, String c3, String k0, String k1,
            String x0, String x1, String x2, String x3) {
        int[] out = new int[4];
        Philox4x32.block(hex(c0), hex(c1), hex(c2), hex(c3), hex(k0), hex(k1), out, 0);
        assertThat(out).containsExactly(hex(x0), hex(x1), hex(x2), hex(x3));
    }

    @Test
    void writesAtTheOffsetAndNowhereElse() {
        int[] out = {7, 7, 7, 7, 7, 7, 7};
        Philox4x32.block(0, 0, 0, 0, 0, 0, out, 2);
        assertThat(out).containsExactly(7, 7, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8, 7);
    }

    @Test
    void splitsSixtyFourBitValuesIntoLowAndHighWords() {
        long v = 0x0123456789abcdefL;
        assertThat(Philox4x32.lo(v)).isEqualTo(0x89abcdef);
        assertThat(Philox4x32.hi(v)).isEqualTo(0x01234567);
        assertThat(Philox4x32.lo(-1L)).isEqualTo(0xffffffff);
        assertThat(Philox4x32.hi(-1L)).isEqualTo(0xffffffff);
        assertThat(Philox4x32.hi(1L << 32)).isEqualTo(1);
        assertThat(Philox4x32.lo(1L << 32)).isZero();
    }

    private static int hex(String s) {
        return Integer.parseUnsignedInt(s.trim(), 16);
    }
}
