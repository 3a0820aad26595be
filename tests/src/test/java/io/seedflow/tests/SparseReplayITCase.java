package io.seedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedflow.connectors.log.UpdateLogFile;
import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.log.UpdateRecord;
import io.seedflow.core.model.MlpSpec;
import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.SubspaceOptions;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoVariant;
import io.seedflow.jobs.offline.TrainingSettings;
import io.seedflow.jobs.offline.ZoOfflineTraining;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Masked, denoised and momentum runs on real Fashion-MNIST replay bit-exactly in a separate JVM (scalar kernels
 * there, vector kernels here) from the base snapshot and the Avro log alone: the replica rebuilds each step's
 * mask from its own weights and each window's basis from the record.
 */
class SparseReplayITCase {
    private static final List<String> HEAD = List.of("layers.1.weight", "layers.1.bias");

    static Stream<Arguments> runs() {
        return Stream.of(
                Arguments.of("magnitude-0.8", base().sparsity(new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE,
                        0.8, 50, List.of())).weightDecay(1e-2), (Predicate<UpdateRecord>) r -> r.mask() != null
                        && r.mask().tensors().get(0).maxMagnitude() < Float.POSITIVE_INFINITY),
                Arguments.of("random-0.5-redrawn-head-and-first-weights", base().sparsity(new SparsityOptions(
                        SparsityOptions.MaskKind.RANDOM, 0.5, 25, List.of("layers.0.weight", "layers.1.weight"))),
                        (Predicate<UpdateRecord>) r -> r.mask() != null && r.mask().tensors().size() == 2),
                Arguments.of("subspace-head", base().subspace(new SubspaceOptions(HEAD, 16, 0.2)),
                        (Predicate<UpdateRecord>) r -> r.step() <= 16 || !r.subspace().removed().isEmpty()),
                Arguments.of("magnitude+subspace", base().sparsity(new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE,
                        0.5, 100, List.of())).subspace(new SubspaceOptions(HEAD, 12, 0.2)),
                        (Predicate<UpdateRecord>) r -> r.mask() != null && (r.step() <= 12 || r.subspace() != null)),
                Arguments.of("momentum", base().learningRate(1e-4).variant(ZoVariant.MOMENTUM).momentumTerms(16),
                        (Predicate<UpdateRecord>) r -> r.perturbations().size() == Math.min(16, r.step())),
                Arguments.of("conservative", base().variant(ZoVariant.CONSERVATIVE),
                        (Predicate<UpdateRecord>) r -> r.perturbations().size() <= 1));
    }

    private static ZoOptions.Builder base() {
        return ZoOptions.builder().learningRate(1e-3).epsilon(1e-3f).runSeed(21);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runs")
    void separateJvmReproducesTheRun(String name, ZoOptions.Builder options, Predicate<UpdateRecord> shape,
            @TempDir Path dir) throws Exception {
        LabeledDataset train = FashionMnist.train(FashionMnist.defaultDir());
        LabeledDataset test = FashionMnist.test(FashionMnist.defaultDir()).head(500);
        TrainingSettings s = new TrainingSettings("sparse-" + name, MlpSpec.parse("mlp:784x32x10:relu"),
                options.build(), 300, 32, 3, 4, 300, 500, dir, false);
        ZoOfflineTraining.Result run = ZoOfflineTraining.run(s, train, test);
        List<UpdateRecord> log = UpdateLogFile.readAll(run.updateLog());
        assertThat(log).hasSize(300).allMatch(shape);
        String expected = run.finalSnapshot().weightsSha256();
        assertThat(expected).isNotEqualTo(run.baseSnapshot().weightsSha256());
        ChildJvm.Outcome o = ChildJvm.seedflow("replay", "--snapshot", run.baseSnapshot().path().toString(),
                "--log", run.updateLog().toString(), "--expect-weights-sha256", expected);
        assertThat(o.output()).contains("replayed 300 records").contains("weights-sha256=" + expected);
        assertThat(o.exitCode()).as(o.output()).isZero();
    }
}
