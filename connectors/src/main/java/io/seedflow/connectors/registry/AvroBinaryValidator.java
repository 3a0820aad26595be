package io.seedflow.connectors.registry;

import java.util.IdentityHashMap;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Walks one Avro binary datum against its writer schema without building it, and refuses anything that Avro's own
 * reader would mishandle on corrupt input. Why not Avro's {@code GenericDatumReader.skip}: a negative block byte
 * count makes it seek backwards forever (found by {@code ConfluentAvroCodecTest.randomBodiesFailTyped}), and the
 * real read pre-allocates arrays by a count read from the input. After this check the bytes are exactly one datum:
 * every length and count fits in the bytes left, every block byte count matches its items, every union and enum
 * index is in range, booleans are 0 or 1, and nothing trails. The resolving reader may then skip writer-only fields
 * safely.
 */
final class AvroBinaryValidator {
    /** Items of zero-byte types (null, empty records) cost no input, so their count needs its own bound. */
    static final long MAX_ZERO_SIZE_ITEMS = 1 << 16;
    static final int MAX_DEPTH = 128;

    private final byte[] buf;
    private final int start;
    private final int end;
    private final Map<Schema, Integer> minSizes = new IdentityHashMap<>();
    private int pos;

    private AvroBinaryValidator(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.start = offset;
        this.pos = offset;
        this.end = offset + length;
    }

    /** Returns null if {@code buf[offset, offset+length)} is exactly one datum of {@code schema}, else the problem. */
    static String problem(Schema schema, byte[] buf, int offset, int length) {
        AvroBinaryValidator v = new AvroBinaryValidator(buf, offset, length);
        try {
            v.datum(schema, 0);
        } catch (Malformed e) {
            return e.getMessage();
        }
        if (v.pos != v.end) {
            return (v.end - v.pos) + " trailing bytes after the " + schema.getFullName() + " datum (" + length
                    + " body bytes)";
        }
        return null;
    }

    private void datum(Schema s, int depth) throws Malformed {
        if (depth > MAX_DEPTH) {
            throw fail("nesting deeper than " + MAX_DEPTH);
        }
        switch (s.getType()) {
            case NULL -> { }
            case BOOLEAN -> {
                need(1, "boolean");
                int b = buf[pos++];
                if (b != 0 && b != 1) {
                    throw fail(String.format("boolean byte 0x%02x, expected 0x00 or 0x01", b & 0xff));
                }
            }
            case INT -> readInt("int");
            case LONG -> readLong("long");
            case FLOAT -> skip(4, "float");
            case DOUBLE -> skip(8, "double");
            case STRING, BYTES -> {
                long len = readLong(s.getType().getName() + " length");
                if (len < 0 || len > end - pos) {
                    throw fail(s.getType().getName() + " length " + len + ", but " + (end - pos) + " bytes are left");
                }
                pos += (int) len;
            }
            case FIXED -> skip(s.getFixedSize(), "fixed " + s.getFullName());
            case ENUM -> index(s.getEnumSymbols().size(), "enum " + s.getFullName() + " symbol");
            case UNION -> datum(s.getTypes().get(index(s.getTypes().size(), "union branch")), depth + 1);
            case RECORD -> {
                for (Schema.Field f : s.getFields()) {
                    datum(f.schema(), depth + 1);
                }
            }
            case ARRAY -> blocks(s.getElementType(), null, depth);
            case MAP -> blocks(s.getValueType(), Schema.create(Schema.Type.STRING), depth);
            default -> throw fail("unsupported schema type " + s.getType());
        }
    }

    private void blocks(Schema item, Schema key, int depth) throws Malformed {
        int itemMin = minSize(item, 0) + (key == null ? 0 : 1);
        long total = 0;
        while (true) {
            long count = readLong("block count");
            if (count == 0) {
                return;
            }
            long declaredBytes = -1;
            if (count < 0) {
                if (count == Long.MIN_VALUE) {
                    throw fail("block count " + count);
                }
                count = -count;
                declaredBytes = readLong("block byte count");
                if (declaredBytes < 0 || declaredBytes > end - pos) {
                    throw fail("block byte count " + declaredBytes + ", but " + (end - pos) + " bytes are left");
                }
            }
            total += count;
            if (itemMin > 0 ? count > (end - pos) / itemMin : total > MAX_ZERO_SIZE_ITEMS) {
                throw fail("block of " + count + " items, but " + (end - pos) + " bytes are left");
            }
            int blockStart = pos;
            int itemBytes = key == null ? fixedSize(item) : -1;
            if (itemBytes > 0) { // floats, doubles, fixed: nothing to check per item, and the count fits (above)
                pos += (int) (count * itemBytes);
            } else {
                for (long i = 0; i < count; i++) {
                    if (key != null) {
                        datum(key, depth + 1);
                    }
                    datum(item, depth + 1);
                }
            }
            if (declaredBytes >= 0 && pos - blockStart != declaredBytes) {
                throw fail("block declares " + declaredBytes + " bytes, its items take " + (pos - blockStart));
            }
        }
    }

    /** The size of every datum of {@code s} if it is one and any bytes of that size are valid, else -1. */
    private static int fixedSize(Schema s) {
        return switch (s.getType()) {
            case FLOAT -> 4;
            case DOUBLE -> 8;
            case FIXED -> s.getFixedSize() > 0 ? s.getFixedSize() : -1;
            default -> -1;
        };
    }

    /** The fewest bytes a datum of {@code s} can take; recursive types count as 0. */
    private int minSize(Schema s, int depth) {
        Integer known = minSizes.get(s);
        if (known != null) {
            return known;
        }
        if (depth > MAX_DEPTH) {
            return 0;
        }
        minSizes.put(s, 0); // guards recursion
        int size = switch (s.getType()) {
            case NULL -> 0;
            case FLOAT -> 4;
            case DOUBLE -> 8;
            case FIXED -> s.getFixedSize();
            case RECORD -> s.getFields().stream().mapToInt(f -> minSize(f.schema(), depth + 1)).reduce(0,
                    (a, b) -> (int) Math.min(Integer.MAX_VALUE, (long) a + b));
            default -> 1; // boolean, int, long, string, bytes, enum, union, array, map
        };
        minSizes.put(s, size);
        return size;
    }

    private int index(int n, String what) throws Malformed {
        int i = readInt(what + " index");
        if (i < 0 || i >= n) {
            throw fail(what + " index " + i + ", expected 0.." + (n - 1));
        }
        return i;
    }

    private int readInt(String what) throws Malformed {
        long v = readLong(what);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw fail(what + " " + v + " does not fit an int");
        }
        return (int) v;
    }

    /** Zig-zag varint, at most 10 bytes. */
    private long readLong(String what) throws Malformed {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= end) {
                throw fail(what + " runs past the end");
            }
            int b = buf[pos++] & 0xff;
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw fail(what + " is a varint longer than 10 bytes");
    }

    private void skip(int n, String what) throws Malformed {
        need(n, what);
        pos += n;
    }

    private void need(int n, String what) throws Malformed {
        if (end - pos < n) {
            throw fail(what + " needs " + n + " bytes, " + (end - pos) + " are left");
        }
    }

    private Malformed fail(String message) {
        return new Malformed("at body byte " + (pos - start) + ": " + message);
    }

    private static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }
}
