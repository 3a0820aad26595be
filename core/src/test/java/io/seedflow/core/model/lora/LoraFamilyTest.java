package io.seedflow.core.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.error.SnapshotIntegrityException;
import io.seedflow.core.error.TensorShapeMismatchException;
import io.seedflow.core.log.Lineage;
import io.seedflow.core.log.Replica;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.HeadGradient;
import io.seedflow.core.model.LossSums;
import io.seedflow.core.model.Model;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.model.TensorRole;
import io.seedflow.core.model.TestBatches;
import io.seedflow.core.rng.PerturbationGenerator;
import io.seedflow.core.session.BackendFactory;
import io.seedflow.core.session.TrainingSession;
import io.seedflow.core.snapshot.EncodedSnapshot;
import io.seedflow.core.snapshot.FrozenBases;
import io.seedflow.core.snapshot.SafetensorsFormat;
import io.seedflow.core.snapshot.Snapshot;
import io.seedflow.core.snapshot.SnapshotStore;
import io.seedflow.core.sparse.TensorMask;
import io.seedflow.core.sparse.UpdateMask;
import io.seedflow.core.tensor.ParameterSet;
import io.seedflow.core.zo.ZoOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA as a decorator of any family, and the frozen base under it: its text form and tensors, step 0 equal to the
 * inner model, the paired pass equal to plain passes on explicitly merged weights, training by the one session
 * replayed bit for bit from the records, and snapshots that hold the adapters and name the base by hash.
 */
class LoraFamilyTest {
    static final String ENCODER = "encoder:bert-L2-H16-A2-F32-V60-P16:2:12";
    static final String LORA = "lora:2:query+value:" + ENCODER;

    @TempDir
    Path dir;

    @Test
    void isFoundByItsPrefixWithItsAdaptersThenTheInnerHead() {
        LoraSpec spec = (LoraSpec) ModelSpecs.parse(LORA);
        assertThat(spec.toText()).isEqualTo(LORA);
        assertThat(spec.tensorSpecs().stream().map(t -> t.name() + t.shapeString()).toList()).containsExactly(
                "layers.0.query.lora_a[16, 2]", "layers.0.query.lora_b[2, 16]",
                "layers.0.value.lora_a[16, 2]", "layers.0.value.lora_b[2, 16]",
                "layers.1.query.lora_a[16, 2]", "layers.1.query.lora_b[2, 16]",
                "layers.1.value.lora_a[16, 2]", "layers.1.value.lora_b[2, 16]",
                "head.weight[16, 2]", "head.bias[2]");
        assertThat(spec.tensorRoles()).containsExactly(TensorRole.ADAPTER, TensorRole.ADAPTER, TensorRole.ADAPTER,
                TensorRole.ADAPTER, TensorRole.ADAPTER, TensorRole.ADAPTER, TensorRole.ADAPTER, TensorRole.ADAPTER,
                TensorRole.HEAD, TensorRole.HEAD);
        assertThat(spec.headTensors()).containsExactly(8, 9);
        ModelSpec inner = ModelSpecs.parse(ENCODER);
        assertThat(spec.frozenBase()).isEqualTo(inner.tensorSpecs().subList(0, inner.tensorSpecs().size() - 2));
        assertThat(spec.inputKind()).isEqualTo(inner.inputKind());
        assertThat(spec.inputWidth()).isEqualTo(12);
        assertThat(ModelSpecs.FORMS).contains(LoraSpec.FORM);
    }

    @Test
    void badFormsGetOneLineNamingWhatIsWrong() {
        assertRefused("lora:0:query:" + ENCODER, "LoRA rank", "1..16");
        assertRefused("lora:17:query:" + ENCODER, "LoRA rank", "1..16");
        assertRefused("lora:2:quarry:" + ENCODER, "[quarry]", "query, key, value, attention_out, ffn_in, ffn_out");
        assertRefused("lora:2::" + ENCODER, "match no body matrix");
        assertRefused("lora:2:query+query:" + ENCODER, "distinct");
        assertRefused("lora:x:query:" + ENCODER, "LoRA rank must be a decimal integer");
        assertRefused("lora:2:query", "expected " + LoraSpec.FORM);
        assertRefused("lora:2:query:encoder:bert-L0-H16-A2-F32-V60-P16:2", "inner model spec");
        assertRefused("lora:2:weight:linear:6x3", "match no body matrix");
        assertRefused("lora:1:query:" + LORA, "has a frozen base already");
    }

    private static void assertRefused(String text, String... parts) {
        assertThatThrownBy(() -> ModelSpecs.parse(text)).as(text).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageNotContaining("\n").hasMessageContainingAll(parts);
    }

    @Test
    void stepZeroIsTheInnerModelAndTheBaseIsItsBodyByHash() {
        LoraSpec spec = (LoraSpec) ModelSpecs.parse(LORA);
        Model lora = spec.newModel();
        Model inner = spec.inner().newModel();
        ParameterSet p = lora.initialize(11);
        ParameterSet q = inner.initialize(11);
        Batch b = batch(spec, 3, 5, 12, 1, 7);
        assertThat(lora.logits(p, b)).containsExactly(inner.logits(q, b).clone());
        assertThat(p.base().tensors().tensor(0)).isEqualTo(q.tensor(0));
        assertThat(p.base().sha256()).isEqualTo(FrozenBases.encoded(p.base()).sha256())
                .isEqualTo(lora.initialize(11).base().sha256()).isNotEqualTo(lora.initialize(12).base().sha256());
        assertThat(p.tensor(1)).as("every B starts at 0").containsOnly(0f);
        assertThat(p.tensor(0)).as("A is drawn from the seed").isNotEqualTo(new float[p.tensor(0).length]);
    }

    @Test
    void thePairedPassIsThePlainPassOnExplicitlyMergedPerturbedAdapters() {
        LoraSpec spec = (LoraSpec) ModelSpecs.parse(LORA);
        Model lora = spec.newModel();
        ParameterSet p = lora.initialize(5);
        for (int t = 1; t < 8; t += 2) { // B away from 0, so both A and B move the loss
            PerturbationGenerator.fillScaled(99, t, p.tensor(t), 0.3f);
        }
        Batch b = batch(spec, 4, 9, 3, 12);
        float eps = 1e-2f;
        HeadGradient head = new HeadGradient(32, 2);
        UpdateMask adaptersOnly = new UpdateMask(java.util.stream.IntStream.range(0, 8).mapToObj(TensorMask::dense)
                .toList());
        LossSums sums = lora.perturbedLossSums(p, b, 77L, eps, adaptersOnly, head);
        Model inner = spec.inner().newModel();
        HeadGradient expectedHead = new HeadGradient(32, 2);
        assertThat(sums.plus()).isEqualTo(inner.lossSum(merged(spec, shifted(p, 77L, eps)), b, expectedHead));
        assertThat(sums.minus()).isEqualTo(inner.lossSum(merged(spec, shifted(p, 77L, -eps)), b, expectedHead));
        assertThat(head.weight()).containsExactly(expectedHead.weight());
        assertThat(head.passes()).as("3 texts, 2 passes").isEqualTo(6);
        assertThat(sums.plus()).isNotEqualTo(sums.minus());
    }

    @Test
    void aFamilyWithoutHeadFeaturesRefusesAnExactHeadOfAPlainPass() {
        Model linear = ModelSpecs.parse("linear:6x3").newModel();
        Batch b = new Batch(new float[12], new int[2], 2, 6);
        assertThatThrownBy(() -> linear.lossSum(linear.initialize(1), b, new HeadGradient(18, 3)))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("linear");
    }

    @Test
    void trainsThroughTheOneSessionAndAReplicaFromItsSnapshotReproducesItBitForBit() {
        LoraSpec spec = (LoraSpec) ModelSpecs.parse("lora:3:0:mlp:6x10x3:relu");
        ZoOptions options = ZoOptions.builder().learningRate(0.05).headLearningRate(0.5).perturbations(2)
                .runSeed(5).build();
        TrainingSession.Started started = TrainingSession.fresh("lora", spec, options, 3, BackendFactory.cpu());
        SnapshotStore store = new SnapshotStore(dir);
        EncodedSnapshot first = started.snapshotsToStore().get(0);
        String uri = store.store(first);
        List<UpdateRecord> log = new ArrayList<>();
        try (TrainingSession session = started.session()) {
            double before = lossOf(spec, session.parameters());
            for (long step = 1; step <= 200; step++) {
                log.add(session.step(mlpBatch(32, 1000 + step), List.of(new Lineage("t", 0, step * 32, step * 32 + 32))));
            }
            assertThat(lossOf(spec, session.parameters())).as("the mean loss falls").isLessThan(before * 0.8);
            Snapshot base = store.load(uri, first.sha256()).requireTensorsOfModelSpec();
            Replica replica = new Replica("lora", base.parameters(), 0);
            log.forEach(replica::apply);
            assertThat(replica.parameters().weightsSha256()).isEqualTo(session.weightsSha256());
            Batch b = mlpBatch(20, 5);
            assertThat(spec.newModel().logits(replica.parameters(), b))
                    .containsExactly(spec.newModel().logits(session.parameters(), b).clone());
        }
    }

    @Test
    void aSnapshotHoldsTheAdaptersAndNamesTheBaseStoredOnceBesideIt() throws IOException {
        LoraSpec spec = (LoraSpec) ModelSpecs.parse(LORA);
        ParameterSet p = spec.newModel().initialize(8);
        SnapshotStore store = new SnapshotStore(dir);
        EncodedSnapshot s0 = EncodedSnapshot.of("m", 0, LORA, p);
        p.tensor(1)[3] = 0.5f;
        EncodedSnapshot s1 = EncodedSnapshot.of("m", 1, LORA, p);
        store.store(s0);
        store.store(s1);
        String baseId = p.base().sha256();
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted().toList()).containsExactlyInAnyOrder(
                    baseId + ".safetensors", s0.sha256() + ".safetensors", s1.sha256() + ".safetensors");
        }
        assertThat(s1.sizeBytes()).isLessThan(Files.size(dir.resolve(baseId + ".safetensors")) / 4);
        Snapshot read = SnapshotStore.read(dir.resolve(s1.sha256() + ".safetensors"), s1.sha256());
        assertThat(read.metadata()).containsEntry(SafetensorsFormat.KEY_FROZEN_BASE, baseId);
        assertThat(read.parameters().weightsSha256()).isEqualTo(p.weightsSha256());
        assertThat(read.parameters().base().sha256()).isEqualTo(baseId);
        Batch b = batch(spec, 6, 4, 11);
        assertThat(spec.newModel().logits(read.parameters(), b)).containsExactly(spec.newModel().logits(p, b).clone());
    }

    @Test
    void aBaseThatIsMissingOrNotTheOneNamedIsRefusedNamingBoth() throws IOException {
        LoraSpec spec = (LoraSpec) ModelSpecs.parse(LORA);
        ParameterSet p = spec.newModel().initialize(21);
        // another base stored where this one should be: a replica must not run on weights the trainer never had
        ParameterSet other = spec.newModel().initialize(22);
        SnapshotStore store = new SnapshotStore(dir);
        EncodedSnapshot s = EncodedSnapshot.of("m", 0, LORA, p);
        store.storeFile(s);
        Path file = dir.resolve(s.sha256() + ".safetensors");
        String baseId = p.base().sha256();
        forget(baseId);
        assertThatThrownBy(() -> SnapshotStore.read(file, s.sha256())).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContainingAll("frozen base " + baseId, s.sha256()).hasMessageNotContaining("\n");
        // a header naming something else than a SHA-256 (here a path) is refused before anything is read by it
        String forged = new String(s.bytes(), java.nio.charset.StandardCharsets.ISO_8859_1)
                .replace(baseId, "../../../../../../../../../../../../../../../../../../etc/passwd");
        Path forgedFile = Files.write(dir.resolve("forged.safetensors"),
                forged.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> SnapshotStore.read(forgedFile, null)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContaining("must be a SHA-256").hasMessageNotContaining("\n");
        Files.write(dir.resolve(baseId + ".safetensors"), FrozenBases.encoded(other.base()).bytes());
        assertThatThrownBy(() -> store.load(file.toUri().toString(), s.sha256()))
                .isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContainingAll("frozen base " + baseId, "SHA-256 mismatch").hasMessageNotContaining("\n");
    }

    @Test
    void aSnapshotThatNamesNoBaseOrABaseItsModelHasNotIsRefused() {
        LoraSpec spec = (LoraSpec) ModelSpecs.parse(LORA);
        ParameterSet adaptersAlone = spec.newModel().initialize(2).copy();
        ParameterSet withoutBase = ParameterSet.wrap(adaptersAlone.specs(), tensors(adaptersAlone));
        SnapshotStore store = new SnapshotStore(dir);
        String uri = store.store(EncodedSnapshot.of("m", 0, LORA, withoutBase));
        assertThatThrownBy(() -> store.load(uri, null)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContainingAll("names no frozen base", LORA);
        ParameterSet inner = spec.inner().newModel().initialize(2).withBase(adaptersAlone.base());
        String innerUri = store.store(EncodedSnapshot.of("m", 0, ENCODER, inner));
        assertThatThrownBy(() -> store.load(innerUri, null)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContainingAll("names frozen base", "declares none");
        assertThatThrownBy(() -> spec.newModel().logits(withoutBase, batch(spec, 1, 3)))
                .isInstanceOf(TensorShapeMismatchException.class).hasMessageContaining("frozen base");
    }

    @Test
    void aRollbackToASnapshotOfAnotherBaseIsRefused() {
        LoraSpec spec = (LoraSpec) ModelSpecs.parse(LORA);
        SnapshotStore store = new SnapshotStore(dir);
        ParameterSet mine = spec.newModel().initialize(31);
        Replica replica = new Replica("m", store.load(store.store(EncodedSnapshot.of("m", 0, LORA, mine)), null)
                .parameters(), 2);
        // the same trainable weights over another base: the weights digest cannot tell them apart
        ParameterSet theirs = mine.withBase(spec.newModel().initialize(32).base());
        EncodedSnapshot at3 = EncodedSnapshot.of("m", 3, LORA, theirs);
        Snapshot holding = store.load(store.store(at3), at3.sha256());
        io.seedflow.core.log.ModelRollback back = new io.seedflow.core.log.ModelRollback("m", 3, 0,
                mine.weightsSha256(), "file:x", at3.sha256(), at3.sizeBytes(), 0L, "test");
        assertThatThrownBy(() -> replica.rolledBack(back, holding)).isInstanceOf(SnapshotIntegrityException.class)
                .hasMessageContainingAll(theirs.base().sha256(), mine.base().sha256());
        EncodedSnapshot same = EncodedSnapshot.of("m", 3, LORA, mine);
        assertThat(replica.rolledBack(new io.seedflow.core.log.ModelRollback("m", 3, 0, mine.weightsSha256(),
                "file:x", same.sha256(), same.sizeBytes(), 0L, "test"), store.load(store.store(same), same.sha256()))
                .version()).isEqualTo(3);
    }

    /** Drops a base this process made from the bases it keeps, so that the next read must load it. */
    private static void forget(String baseId) {
        FrozenBases.forget(baseId);
    }

    private static float[][] tensors(ParameterSet p) {
        float[][] t = new float[p.size()][];
        for (int i = 0; i < t.length; i++) {
            t[i] = p.tensor(i);
        }
        return t;
    }

    /** The inner model's weights with every adapted matrix merged by plain arithmetic in the documented order. */
    private static ParameterSet merged(LoraSpec spec, ParameterSet p) {
        ParameterSet inner = spec.inner().newModel().initialize(0); // the layout; every tensor overwritten below
        int[] adapted = spec.adapted();
        int[] baseOfInner = spec.baseOfInner();
        for (int k = 0; k < baseOfInner.length; k++) {
            float[] src = p.base().tensors().tensor(k);
            System.arraycopy(src, 0, inner.tensor(baseOfInner[k]), 0, src.length);
        }
        for (int k = 0; k < adapted.length; k++) {
            float[] w = inner.tensor(adapted[k]);
            int[] shape = inner.spec(adapted[k]).shape();
            float[] a = p.tensor(2 * k);
            float[] b = p.tensor(2 * k + 1);
            for (int i = 0; i < shape[0]; i++) {
                for (int o = 0; o < shape[1]; o++) {
                    float acc = w[i * shape[1] + o];
                    for (int r = 0; r < spec.rank(); r++) {
                        acc = Math.fma(a[i * spec.rank() + r], b[r * shape[1] + o], acc);
                    }
                    w[i * shape[1] + o] = acc;
                }
            }
        }
        int[] head = spec.innerHead();
        for (int h = 0; h < head.length; h++) {
            System.arraycopy(p.tensor(2 * adapted.length + h), 0, inner.tensor(head[h]), 0, p.tensor(8 + h).length);
        }
        return inner;
    }

    /** The adapters at theta + s z (direction {@code seed}, every adapter element), the head unmoved. */
    private static ParameterSet shifted(ParameterSet p, long seed, float s) {
        return TestBatches.shifted(p, seed, s, 8);
    }

    private static double lossOf(LoraSpec spec, ParameterSet p) {
        Batch b = mlpBatch(200, 100);
        return spec.newModel().lossSum(p, b) / b.size();
    }

    static Batch batch(LoraSpec spec, long seed, int... counts) {
        return TestBatches.tokens(60, spec.classes(), spec.inputWidth(), seed, counts);
    }

    private static Batch mlpBatch(int n, long seed) {
        return TestBatches.gaussianClusters(n, seed);
    }
}
