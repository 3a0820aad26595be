package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.log.UpdateRecordCodec;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.zo.LearningRateSchedule;
import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.SubspaceOptions;
import io.seedflow.core.zo.ZoOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pins what the trainer writes, not only what a replica reads: each case trains a few steps on fixed data and hashes
 * its records (the Avro single-object encoding of every record with the wall-clock field zeroed) and its final
 * weights. The expected digests were produced by the code before the objective, role and family seams (main at
 * c907723, the same test run there), so a refactor that changes one bit of a record, a seed, a mask, a subspace
 * correction or a head delta fails here. MLP: dense (q = 2, weight decay, cosine schedule), a magnitude mask with the
 * head denoised in a subspace, a random selection of two tensors, an exact head; MiniLM: the hybrid (exact head, ZO
 * on the body).
 */
class TrainerRecordsPinnedTest {
    private static final String MLP = "mlp:20x12x8x3:relu";

    @Test
    void mlpDense() {
        assertPinned(MLP, ZoOptions.builder().learningRate(1e-2).perturbations(2).weightDecay(1e-3)
                .schedule(LearningRateSchedule.COSINE).totalSteps(30).runSeed(11).build(), 30,
                "dense");
    }

    @Test
    void mlpMagnitudeMaskAndSubspace() {
        assertPinned(MLP, ZoOptions.builder().learningRate(1e-2).runSeed(12)
                .sparsity(new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE, 0.5, 10, List.of()))
                .subspace(new SubspaceOptions(List.of("layers.2.weight"), 6, 1e-3)).build(), 30, "masked-subspace");
    }

    @Test
    void mlpRandomSelection() {
        assertPinned(MLP, ZoOptions.builder().learningRate(1e-2).runSeed(13)
                .sparsity(new SparsityOptions(SparsityOptions.MaskKind.RANDOM, 0.7, 7,
                        List.of("layers.0.weight", "layers.2.bias"))).build(), 30, "random-selection");
    }

    @Test
    void mlpExactHead() {
        assertPinned(MLP, ZoOptions.builder().learningRate(1e-2).headLearningRate(0.1).runSeed(14).build(), 30,
                "exact-head");
    }

    @Test
    void miniLmHybrid() {
        assertPinned("encoder:all-minilm-l6-v2:2:16", ZoOptions.builder().learningRate(1e-5).headLearningRate(1.0)
                .runSeed(15).build(), 3, "minilm-hybrid");
    }

    private static void assertPinned(String specText, ZoOptions options, int steps, String name) {
        ModelSpec spec = ModelSpecs.parse(specText);
        MessageDigest records = sha256();
        String weights;
        try (TrainingSession session = TrainingSession.fresh("pinned-" + name, spec, options, 7,
                BackendFactory.cpu()).session()) {
            for (long step = 1; step <= steps; step++) {
                UpdateRecord r = session.step(batch(spec, step), List.of(new Lineage("pinned", 0, step * 8,
                        step * 8 + 8)));
                records.update(bytes(withoutTime(r)));
            }
            weights = session.weightsSha256();
        }
        String digest = HexFormat.of().formatHex(records.digest());
        System.out.println("pinned " + name + " records " + digest + " weights " + weights);
        assertThat(digest + " " + weights).as(name).isEqualTo(EXPECTED.get(name));
    }

    /** Eight examples per step: Gaussian features, or token ids below 2,000 with 5..16 real tokens. */
    private static Batch batch(ModelSpec spec, long step) {
        int n = 8;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (int) ((step * 5 + i * 3) % spec.classes());
        }
        if (!(spec instanceof EncoderSpec encoder)) {
            float[] x = new float[n * spec.inputWidth()];
            PerturbationGenerator.fill(500 + step, 0, 0, x, 0, x.length);
            return new Batch(x, labels, n, spec.inputWidth());
        }
        int width = encoder.maxTokens();
        int[] ids = new int[n * width];
        int[] counts = new int[n];
        float[] u = new float[n * width];
        PerturbationGenerator.fill(900 + step, 0, 0, u, 0, u.length);
        for (int e = 0; e < n; e++) {
            counts[e] = 5 + (int) ((step + e) % (width - 4));
            for (int t = 0; t < counts[e]; t++) {
                ids[e * width + t] = t == 0 ? 101 : 1000 + (int) Math.floorMod((long) (u[e * width + t] * 1e4), 1000L);
            }
        }
        return Batch.ofTokens(ids, counts, labels, width);
    }

    private static UpdateRecord withoutTime(UpdateRecord r) {
        return new UpdateRecord(r.formatVersion(), r.modelId(), r.baseSnapshotId(), r.step(), r.status(),
                r.decayFactor(), r.perturbations(), r.epsilon(), r.learningRate(), r.batchSize(), r.lineage(), 0L,
                r.mask(), r.subspace(), r.headDelta());
    }

    private static byte[] bytes(UpdateRecord r) {
        try {
            ByteBuffer b = UpdateRecordCodec.toAvro(r).toByteBuffer();
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Records digest, then weights digest, as the code before the seams wrote them (see the class comment). */
    private static final Map<String, String> EXPECTED = Map.of(
            "dense", "63c954a97ddde19b4d72cc549757d1b0a91ddfc46a0005f1b3e1a7e91afcf7fc"
                    + " 4ec2979b3555e1ed730d209dc99e7f2e694469459f0246bbaf49859f9a83552f",
            "masked-subspace", "aa4ee0bebeccb26afb921768d9c3b79722e3428fac291957a4598f089f74e0c8"
                    + " 4949598212a6e37be926e0341942558b6ff3996c72c6040f1f84fd63d14cd3ef",
            "random-selection", "452693fc4812ea9815cd8bfc3ab9a494e5296e71efc1158a43f45c7a8869a896"
                    + " cc50ef62dd66dabd77e26c54c72d1f4185936f5c7c56317e960a1b29fdf7d3d3",
            "exact-head", "cd648a3333041cf500d3d985bcebc4f9f09091dfb8ba331ed740d46d12eba7d8"
                    + " cd5ddee98eb6a3d1093cc13df52be86c9b50c1e88dcd3cf1487f2c614f3e5dde",
            "minilm-hybrid", "8b2c12bfe8418a9f188382918d66a17a9e11fd104038cf9e94761241ad0accf4"
                    + " 243f69c474b8d0f417b0c37130f06b01a144dce6f2f73ebaf12c48e81df42328");
}
