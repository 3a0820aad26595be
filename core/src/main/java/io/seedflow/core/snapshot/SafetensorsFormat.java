package io.seedflow.core.snapshot;

import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.error.UnsupportedFormatVersionException;
import io.seedflow.core.json.JsonNumber;
import io.seedflow.core.json.JsonSyntaxException;
import io.seedflow.core.json.StrictJson;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.tensor.TensorSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Weight snapshots in the safetensors format (8-byte little-endian header length, JSON header, raw little-endian
 * data), readable by the reference safetensors library. Tensors are F32 and laid out in canonical order; the
 * canonical order is also recorded in {@code __metadata__["seedflow.tensor-order"]}. Encoding is deterministic, so
 * equal weights and metadata give equal bytes and an equal SHA-256.
 */
public final class SafetensorsFormat {
    public static final int FORMAT_VERSION = 1;
    public static final String KEY_FORMAT = "seedflow.format-version";
    public static final String KEY_MODEL_ID = "seedflow.model-id";
    public static final String KEY_STEP = "seedflow.step";
    public static final String KEY_MODEL_SPEC = "seedflow.model-spec";
    public static final String KEY_TENSOR_ORDER = "seedflow.tensor-order";
    /** The id (file SHA-256) of the frozen base the tensors decorate; absent for a model without one (spec §2.1). */
    public static final String KEY_FROZEN_BASE = "seedflow.frozen-base";
    static final long MAX_HEADER = 100L << 20;
    /** Bytes per read or write of tensor data. */
    private static final int IO_CHUNK = 1 << 16;
    /** Deepest nesting in a header: ours nest 3 levels (header, tensor entry, shape); any other tool's a few more. */
    static final int MAX_HEADER_DEPTH = 64;
    /**
     * The header's JSON limits. Numbers are shapes and byte offsets (at most 19 digits as longs). Strings are bounded
     * by the header length only: {@link #encode} writes any model id, spec and tensor order it is given, and every
     * snapshot it writes must decode.
     */
    private static final StrictJson HEADER_JSON = StrictJson.builder().maxDepth(MAX_HEADER_DEPTH)
            .maxNumberLength(32).maxStringLength((int) MAX_HEADER).maxDocumentLength((int) MAX_HEADER).build();

    private SafetensorsFormat() {
    }

    /**
     * The snapshot's bytes in one array: {@link #write} into memory. For tests and small models; a trainer streams
     * its snapshots ({@link EncodedSnapshot#writeTo}).
     */
    public static byte[] encode(ParameterSet params, String modelId, long step, String modelSpec) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            write(out, params, modelId, step, modelSpec);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a byte array stream does not fail
        }
        return out.toByteArray();
    }

    /**
     * Writes the snapshot of {@code params} to {@code out} as a stream (the file is never held in memory whole, so it
     * has no size limit): the header length, the header, then every tensor's elements in canonical order,
     * little-endian. Deterministic: the same weights and metadata give the same bytes.
     */
    public static void write(OutputStream out, ParameterSet params, String modelId, long step, String modelSpec)
            throws IOException {
        byte[] header = header(params, modelId, step, modelSpec);
        ByteBuffer chunk = ByteBuffer.allocate(IO_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        chunk.putLong(header.length);
        out.write(chunk.array(), 0, chunk.position());
        out.write(header);
        chunk.clear();
        for (int t = 0; t < params.size(); t++) {
            for (float v : params.tensor(t)) {
                if (!chunk.hasRemaining()) {
                    out.write(chunk.array(), 0, chunk.position());
                    chunk.clear();
                }
                chunk.putFloat(v);
            }
        }
        out.write(chunk.array(), 0, chunk.position());
    }

    /** The JSON header, UTF-8, padded with spaces so that the data starts at a multiple of 8. */
    private static byte[] header(ParameterSet params, String modelId, long step, String modelSpec) {
        String json = HEADER_JSON.write(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("__metadata__");
            g.writeStringField(KEY_FORMAT, String.valueOf(FORMAT_VERSION));
            g.writeStringField(KEY_MODEL_ID, modelId);
            g.writeStringField(KEY_MODEL_SPEC, modelSpec);
            g.writeStringField(KEY_STEP, String.valueOf(step));
            g.writeStringField(KEY_TENSOR_ORDER, String.join(",", params.names()));
            if (params.base() != null) {
                g.writeStringField(KEY_FROZEN_BASE, params.base().sha256());
            }
            g.writeEndObject();
            long begin = 0;
            for (TensorSpec t : params.specs()) {
                long end = begin + t.elementCount() * 4;
                g.writeObjectFieldStart(t.name());
                g.writeStringField("dtype", "F32");
                g.writeArrayFieldStart("shape");
                for (int d : t.shape()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(begin);
                g.writeNumber(end);
                g.writeEndArray();
                g.writeEndObject();
                begin = end;
            }
            g.writeEndObject();
        });
        StringBuilder h = new StringBuilder(json);
        // pad the UTF-8 bytes (not the chars: a non-ASCII model id takes more bytes than chars) to a multiple of 8
        int headerBytes = h.toString().getBytes(StandardCharsets.UTF_8).length;
        h.append(" ".repeat((8 - (8 + headerBytes) % 8) % 8));
        return h.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Decodes a snapshot held in memory; see {@link #read(InputStream, long, String)}.
     */
    public static Snapshot decode(byte[] bytes, String expectedSha256) {
        return read(new java.io.ByteArrayInputStream(bytes), bytes.length, expectedSha256);
    }

    /**
     * Reads a snapshot of {@code sizeBytes} bytes from {@code in} to its end, as a stream (never the whole file in one
     * array, so no size limit beyond a tensor's), hashing what it reads; if {@code expectedSha256} is not null the
     * bytes must hash to it, and a file that does not is reported as such whatever else is wrong with it. Every
     * structural problem (truncation, bad JSON, non-F32 dtype, offsets that disagree with shapes or with the size) is a
     * {@link SnapshotIntegrityException}; every range is checked against the size before anything is allocated, so a
     * hostile header cannot exhaust the heap. Leaves {@code in} open.
     */
    public static Snapshot read(InputStream in, long sizeBytes, String expectedSha256) {
        MessageDigest digest = sha256Digest();
        DigestInputStream hashed = new DigestInputStream(in, digest);
        Snapshot s;
        try {
            s = readHashed(hashed, sizeBytes, digest);
        } catch (RuntimeException e) {
            if (expectedSha256 != null) {
                // as a whole-file check would: a file that is not the expected one is reported as that first
                requireExpected(expectedSha256, hashOfRest(hashed, digest), sizeBytes);
            }
            throw e;
        } catch (IOException e) {
            throw new SnapshotIntegrityException("cannot read snapshot: " + e.getMessage(), e);
        }
        requireExpected(expectedSha256, s.sha256(), sizeBytes);
        return s;
    }

    private static Snapshot readHashed(InputStream in, long sizeBytes, MessageDigest digest) throws IOException {
        byte[] headerBytes = headerBytes(in, sizeBytes);
        long headerLen = headerBytes.length;
        Map<String, Object> header = parseHeader(new String(headerBytes, StandardCharsets.UTF_8));
        Map<String, String> meta = metadata(header);
        String format = meta.getOrDefault(KEY_FORMAT, String.valueOf(FORMAT_VERSION));
        if (!format.equals(String.valueOf(FORMAT_VERSION))) {
            if (!format.matches("-?\\d{1,9}")) {
                throw new SnapshotIntegrityException("snapshot metadata " + KEY_FORMAT + " must be an integer, got '"
                        + format + "'");
            }
            throw new UnsupportedFormatVersionException("snapshot", Integer.parseInt(format), FORMAT_VERSION);
        }
        List<Entry> entries = entries(header, meta);
        long dataLen = sizeBytes - 8 - headerLen;
        // check every range against the file before allocating anything: a hostile header must not exhaust the heap
        long expectedOffset = 0;
        Integer[] byOffset = new Integer[entries.size()]; // tensor indices in the order of their data
        for (int t = 0; t < byOffset.length; t++) {
            byOffset[t] = t;
        }
        java.util.Arrays.sort(byOffset, Comparator.comparingLong(t -> entries.get(t).begin));
        for (int t : byOffset) {
            Entry e = entries.get(t);
            if (e.begin != expectedOffset) {
                throw new SnapshotIntegrityException("tensor '" + e.spec.name() + "' starts at byte " + e.begin
                        + " but the previous tensor ends at " + expectedOffset + " (holes or overlaps)");
            }
            expectedOffset = e.end;
        }
        if (expectedOffset != dataLen) {
            throw new SnapshotIntegrityException("tensor data takes " + expectedOffset + " bytes but the file has "
                    + dataLen + " bytes after the header (truncated or padded file)");
        }
        List<TensorSpec> specs = new ArrayList<>();
        for (Entry e : entries) {
            specs.add(e.spec);
        }
        ParameterSet params = new ParameterSet(specs);
        ByteBuffer chunk = ByteBuffer.allocate(IO_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        chunk.limit(0);
        long unread = dataLen;
        for (int t : byOffset) { // the data in file order, each range into its tensor
            float[] dst = params.tensor(t);
            for (int i = 0; i < dst.length; i++) {
                if (!chunk.hasRemaining()) {
                    unread -= fill(in, chunk, unread);
                }
                dst[i] = chunk.getFloat();
            }
        }
        if (in.read() != -1) {
            throw new SnapshotIntegrityException("snapshot is longer than its " + sizeBytes + " bytes (it changed while "
                    + "being read)");
        }
        long step = step(meta.get(KEY_STEP));
        return new Snapshot(params, meta.getOrDefault(KEY_MODEL_ID, ""), step, meta.getOrDefault(KEY_MODEL_SPEC, ""),
                HexFormat.of().formatHex(digest.digest()), sizeBytes, meta);
    }

    /**
     * Refills {@code chunk} with the next bytes of the data, at most {@code unread} (whole floats: the data length is a
     * multiple of 4); returns how many it read.
     */
    private static int fill(InputStream in, ByteBuffer chunk, long unread) throws IOException {
        chunk.clear();
        int n = in.readNBytes(chunk.array(), 0, (int) Math.min(chunk.capacity(), unread));
        if (n < 4 || n % 4 != 0) {
            throw new SnapshotIntegrityException("snapshot data cut short (truncated file, or it changed while being "
                    + "read)");
        }
        chunk.limit(n);
        return n;
    }

    private static void requireExpected(String expectedSha256, String sha, long sizeBytes) {
        if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(sha)) {
            throw new SnapshotIntegrityException("snapshot SHA-256 mismatch: expected " + expectedSha256 + " but the "
                    + sizeBytes + " bytes hash to " + sha + " (corrupt or wrong file)");
        }
    }

    /** The SHA-256 of everything {@code in} has read and still holds (the rest of a file that failed to decode). */
    private static String hashOfRest(DigestInputStream in, MessageDigest digest) {
        try {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            // unreadable rest: the hash of what could be read still tells a wrong file from the expected one
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The {@code __metadata__} of a safetensors file, reading only its header (not the tensor data and not its
     * checksum): for ranking snapshots without loading them. {@link #decode} still verifies a file before use.
     */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readMetadata(in, Files.size(file));
        }
    }

    /**
     * {@link #readMetadata(Path)} from a stream at the start of a file of {@code fileBytes} bytes (a snapshot in an
     * object store); reads the header only and leaves the stream open.
     */
    public static Map<String, String> readMetadata(InputStream in, long fileBytes) throws IOException {
        return metadata(parseHeader(new String(headerBytes(in, fileBytes), StandardCharsets.UTF_8)));
    }

    /** The header of a file of {@code fileBytes} bytes, from a stream at its start (which it leaves after it). */
    private static byte[] headerBytes(InputStream in, long fileBytes) throws IOException {
        byte[] len = in.readNBytes(8);
        long headerLen = checkedHeaderLength(
                len.length < 8 ? -1 : ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong(), fileBytes);
        byte[] header = in.readNBytes((int) headerLen);
        if (header.length != headerLen) {
            throw new SnapshotIntegrityException("safetensors header cut short: expected " + headerLen + " bytes, got "
                    + header.length);
        }
        return header;
    }

    /** {@code headerLen} (-1 if the file is shorter than 8 bytes) if it is plausible for a file of that size. */
    private static long checkedHeaderLength(long headerLen, long fileBytes) {
        if (fileBytes < 8) {
            throw new SnapshotIntegrityException("not a safetensors file: " + fileBytes + " bytes, need at least 8");
        }
        if (headerLen < 2 || headerLen > MAX_HEADER || headerLen > fileBytes - 8) {
            throw new SnapshotIntegrityException("safetensors header length " + headerLen + " is invalid for a file of "
                    + fileBytes + " bytes");
        }
        return headerLen;
    }

    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256Digest().digest(bytes));
    }

    private record Entry(TensorSpec spec, long begin, long end) {
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parseHeader(String json) {
        Object o;
        try {
            o = plain(HEADER_JSON.parse(json.strip()));
        } catch (JsonSyntaxException e) {
            throw new SnapshotIntegrityException("safetensors header is not valid JSON: " + e.getMessage(), e);
        }
        if (!(o instanceof Map)) {
            throw new SnapshotIntegrityException("safetensors header must be a JSON object, got "
                    + (o instanceof List ? "an array" : "'" + printable(String.valueOf(o)) + "'"));
        }
        return (Map<String, Object>) o;
    }

    /**
     * {@code json} with its numbers as the header model has them: integers {@link Long}, other numbers
     * {@link Double}. An integer beyond the long range is refused (no shape or offset can be that large).
     */
    private static Object plain(Object json) {
        if (json instanceof JsonNumber n) {
            if (!n.isIntegral()) {
                return Double.parseDouble(n.text());
            }
            try {
                return Long.parseLong(n.text());
            } catch (NumberFormatException e) {
                throw new SnapshotIntegrityException("safetensors header has the integer " + n.text()
                        + ", beyond the range of a long (at most " + Long.MAX_VALUE + ")");
            }
        }
        if (json instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k, plain(v)));
            return out;
        }
        if (json instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(v -> out.add(plain(v)));
            return out;
        }
        return json;
    }

    private static Map<String, String> metadata(Map<String, Object> header) {
        Map<String, String> meta = new LinkedHashMap<>();
        Object m = header.get("__metadata__");
        if (m instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                meta.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
            }
        }
        return meta;
    }

    private static List<Entry> entries(Map<String, Object> header, Map<String, String> meta) {
        Map<String, Entry> byName = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            byName.put(e.getKey(), entry(e.getKey(), e.getValue()));
        }
        List<Entry> ordered = new ArrayList<>();
        String order = meta.get(KEY_TENSOR_ORDER);
        if (order != null) {
            for (String name : order.split(",")) {
                Entry e = byName.remove(name);
                if (e == null) {
                    throw new SnapshotIntegrityException("tensor-order lists '" + name + "' but the header has no such tensor");
                }
                ordered.add(e);
            }
            if (!byName.isEmpty()) {
                throw new SnapshotIntegrityException("header has tensors " + byName.keySet() + " missing from tensor-order");
            }
        } else {
            // written by another tool: canonical order is the order of the data in the file
            ordered.addAll(byName.values());
            ordered.sort(Comparator.comparingLong(x -> x.begin));
        }
        return ordered;
    }

    private static Entry entry(String name, Object value) {
        if (!(value instanceof Map<?, ?> m)) {
            throw new SnapshotIntegrityException("tensor '" + name + "': header entry must be an object");
        }
        if (!"F32".equals(m.get("dtype"))) {
            throw new SnapshotIntegrityException("tensor '" + name + "': dtype must be F32, got " + m.get("dtype"));
        }
        if (!(m.get("shape") instanceof List<?> shapeList) || !(m.get("data_offsets") instanceof List<?> offs)
                || offs.size() != 2) {
            throw new SnapshotIntegrityException("tensor '" + name + "': needs shape and two data_offsets");
        }
        int[] shape = new int[shapeList.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d <= 0 || d > Integer.MAX_VALUE) {
                throw new SnapshotIntegrityException("tensor '" + name + "': bad shape " + shapeList);
            }
            shape[i] = (int) (long) (Long) shapeList.get(i);
        }
        if (!(offs.get(0) instanceof Long b) || !(offs.get(1) instanceof Long e)) {
            throw new SnapshotIntegrityException("tensor '" + name + "': data_offsets must be integers, got " + offs);
        }
        TensorSpec spec = new TensorSpec(name, shape);
        if (e - b != spec.elementCount() * 4) {
            throw new SnapshotIntegrityException("tensor '" + name + "' of shape " + spec.shapeString() + " needs "
                    + spec.elementCount() * 4 + " bytes but data_offsets span " + (e - b));
        }
        return new Entry(spec, b, e);
    }


    /**
     * The model version in {@code seedflow.step}: 0 when absent (a file written by another tool), else a decimal
     * non-negative long. Anything else is refused, not read as 0: a replay from a wrong version would reject every
     * record of the log, or worse, accept records meant for another version.
     */
    private static long step(String text) {
        if (text == null) {
            return 0;
        }
        if (text.matches("\\d{1,19}")) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                // 19 digits beyond Long.MAX_VALUE: refused below
            }
        }
        throw new SnapshotIntegrityException("snapshot metadata " + KEY_STEP + " must be a non-negative decimal integer"
                + " (the model version, e.g. \"0\" for a base snapshot), got '" + printable(text) + "'");
    }

    /** {@code text} for a one-line message: control characters escaped, cut after 80 characters. */
    static String printable(String text) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length() && b.length() <= 80; i++) {
            char c = text.charAt(i);
            b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.length() > 80 ? b.substring(0, 80) + "..." : b.toString();
    }
}
