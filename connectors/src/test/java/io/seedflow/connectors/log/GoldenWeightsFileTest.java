package io.seedflow.connectors.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.core.log.Replica;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.schemas.ModelUpdate;
import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * golden/model-update-weights.safetensors: the weights that the hex fixtures of docs/update-log-spec.md §9 are applied
 * to ({@link UpdateRecordFixtures#goldenWeights}), shipped as a snapshot so that a replica in any language reproduces
 * each {@code .weights.sha256} from files alone. The file must stay the snapshot of those weights, byte for byte, and
 * replaying the fixtures onto it as a replica does (model id, version 7, order checks) must give the recorded hashes.
 */
class GoldenWeightsFileTest {
    static final String FILE = "model-update-weights.safetensors";

    @Test
    void theFileIsTheSnapshotOfTheGoldenWeights() throws IOException {
        byte[] file = bytes(FILE);
        assertThat(file).isEqualTo(SafetensorsFormat.encode(UpdateRecordFixtures.goldenWeights(), "elastic-head", 7,
                "mlp:4x3x2:relu"));
        Snapshot s = SafetensorsFormat.decode(file, null).requireTensorsOfModelSpec();
        assertThat(s.parameters().weightsSha256()).isEqualTo(UpdateRecordFixtures.goldenWeights().weightsSha256());
    }

    @Test
    void aReplicaOnTheFileReproducesTheHexFixturesWeights() throws IOException {
        Snapshot s = SafetensorsFormat.decode(bytes(FILE), null);
        Replica v3 = new Replica(s.modelId(), s.parameters().copy(), s.step());
        v3.apply(UpdateRecordCodec.fromAvro(UpdateRecordFormatThreeTest.decode(HexFormat.of().parseHex(
                UpdateRecordFormatThreeTest.resource("model-update-v3.hex")), ModelUpdate.getClassSchema())));
        assertThat(v3.parameters().weightsSha256())
                .isEqualTo(UpdateRecordFormatThreeTest.resource("model-update-v3.weights.sha256"));

        Replica v4 = new Replica(s.modelId(), s.parameters().copy(), s.step());
        CompactUpdateDecoder decoder = new CompactUpdateDecoder();
        for (String line : UpdateRecordFormatThreeTest.resource("model-update-v4.hex").lines().toList()) {
            v4.apply(decoder.decode(UpdateRecordFormatFourTest.decode(HexFormat.of().parseHex(line))));
        }
        assertThat(v4.version()).isEqualTo(10);
        assertThat(v4.parameters().weightsSha256())
                .isEqualTo(UpdateRecordFormatThreeTest.resource("model-update-v4.weights.sha256"));
    }

    private static byte[] bytes(String name) throws IOException {
        try (InputStream in = GoldenWeightsFileTest.class.getResourceAsStream("/golden/" + name)) {
            assertThat(in).as("golden fixture /golden/" + name).isNotNull();
            return in.readAllBytes();
        }
    }
}
