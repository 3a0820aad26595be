package io.seedflow.core.snapshot;

import io.seedflow.core.model.Mlp;
import io.seedflow.core.model.MlpSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One-off generator of {@code src/test/resources/golden/snapshot-v1.safetensors} and its {@code .sha256}; not a test.
 * The checked-in files pin snapshot format version 1 and must never be regenerated for v1.
 *
 * <p>Usage (from core/): {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes
 * io.seedflow.core.snapshot.GoldenSnapshotFixtureGenerator src/test/resources/golden}
 */
final class GoldenSnapshotFixtureGenerator {
    static final String SPEC = "mlp:4x3x2:relu";
    static final long INIT_SEED = 5;
    static final String MODEL_ID = "golden";
    static final long STEP = 0;

    private GoldenSnapshotFixtureGenerator() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Path file = dir.resolve("snapshot-v1.safetensors");
        if (Files.exists(file)) {
            throw new IllegalStateException(file + " exists; the v1 golden snapshot must never be regenerated");
        }
        byte[] bytes = SafetensorsFormat.encode(new Mlp(MlpSpec.parse(SPEC)).initialize(INIT_SEED), MODEL_ID, STEP, SPEC);
        Files.write(file, bytes);
        // sha256sum format, so `sha256sum -c snapshot-v1.safetensors.sha256` works in that directory
        Files.writeString(dir.resolve("snapshot-v1.safetensors.sha256"),
                SafetensorsFormat.sha256(bytes) + "  snapshot-v1.safetensors\n", StandardCharsets.US_ASCII);
    }
}
