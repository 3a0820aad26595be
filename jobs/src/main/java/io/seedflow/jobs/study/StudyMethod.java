package io.seedflow.jobs.study;

import io.seedflow.core.zo.SparsityOptions;
import io.seedflow.core.zo.SubspaceOptions;
import io.seedflow.core.zo.ZoOptions;
import io.seedflow.core.zo.ZoVariant;
import java.util.List;

/**
 * One training method of the quality study and its cost in example-forward passes per example of a batch: a ZO
 * step costs 2 per perturbation (the paired passes), ZO-SGD-Cons 3 more, backprop 3 (a backward pass counted as
 * two forwards).
 */
public record StudyMethod(String name, ZoOptions zo, double backpropLearningRate, int forwardsPerExample) {
    /** The head of the Fashion-MNIST MLP: the subspace group (650 parameters). */
    static final List<String> HEAD = List.of("layers.1.weight", "layers.1.bias");

    public boolean backprop() {
        return zo == null;
    }

    /** The default line-up: plain ZO-SGD, sparse, subspace, both, the variants, and backprop. */
    public static List<StudyMethod> defaults(double lr, int window, double threshold, double sparsity, long seed) {
        SparsityOptions magnitude = new SparsityOptions(SparsityOptions.MaskKind.MAGNITUDE, sparsity, 1000, List.of());
        SubspaceOptions subspace = new SubspaceOptions(HEAD, window, threshold);
        return List.of(
                zo("zo-sgd", base(lr, seed).build()),
                zo("sparse-magnitude", base(lr, seed).sparsity(magnitude).build()),
                zo("sparse-random", base(lr, seed).sparsity(new SparsityOptions(SparsityOptions.MaskKind.RANDOM,
                        sparsity, 1000, List.of())).build()),
                zo("subspace", base(lr, seed).subspace(subspace).build()),
                zo("sparse+subspace", base(lr, seed).sparsity(magnitude).subspace(subspace).build()),
                zo("zo-sign", base(lr, seed).variant(ZoVariant.SIGN).build()),
                zo("zo-momentum", base(lr / 10, seed).variant(ZoVariant.MOMENTUM).momentum(0.9).momentumTerms(32).build()),
                new StudyMethod("zo-conservative", base(lr, seed).variant(ZoVariant.CONSERVATIVE).build(), 0, 5),
                new StudyMethod("backprop", null, 0.05, 3));
    }

    private static ZoOptions.Builder base(double lr, long seed) {
        return ZoOptions.builder().learningRate(lr).epsilon(1e-3f).runSeed(seed);
    }

    private static StudyMethod zo(String name, ZoOptions options) {
        return new StudyMethod(name, options, 0, 2);
    }
}
