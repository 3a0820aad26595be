package io.seedflow.jobs.embedded;

import io.seedflow.core.data.FashionMnist;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.settings.TrainerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The demo's default data set: Fashion-MNIST's training images in seeded shuffled epochs without end, the MLP of the
 * measured streaming recipe (docs/benchmarks.md §1b), a replica scored on test images read from a holdout topic.
 */
public final class FashionMnistDemoDataset extends NamedDemoDataset {
    static final String NAME = DemoDataset.FASHION_MNIST;
    public static final double RATE = 2000;
    public static final int MINUTES = 3;
    public static final long POISON_EVERY = 1000;
    static final String MODEL_ID = "fashion-mnist-mlp";
    static final DemoRecipe RECIPE = new DemoRecipe(TrainerSettings.MLP_MODEL,
            TrainerSettings.BATCH_SIZE.defaultValue().orElseThrow(),
            TrainerSettings.LEARNING_RATE.defaultValue().orElseThrow(),
            TrainerSettings.HEAD_LEARNING_RATE.defaultValue().orElseThrow(), RATE,
            Duration.ofMinutes(MINUTES), POISON_EVERY);

    public FashionMnistDemoDataset() {
        super(NAME, "Fashion-MNIST (shuffled epochs)", MODEL_ID, RECIPE, FashionMnist::defaultDir);
    }

    @Override
    public ModelSpec model(String spec) {
        ModelSpec s = DemoDataset.parseModel(spec);
        if (s.inputKind() != InputKind.DENSE || s.inputWidth() != FashionMnist.FEATURES
                || s.classes() != FashionMnist.CLASSES) {
            throw new InvalidConfigurationException(TrainerSettings.MODEL_SPEC.key(), spec, "a model of "
                    + FashionMnist.FEATURES + " dense features and " + FashionMnist.CLASSES + " classes for "
                    + NAME + ", e.g. " + RECIPE.modelSpec());
        }
        return s;
    }

    @Override
    public LabeledEventSource events(Path dataDir, long limit) {
        return LabeledEventSource.shuffled(FashionMnist.train(dataDir), MODEL_ID, limit, DemoSettings.SEED);
    }

    @Override
    public List<PoisonKind> poisonKinds() {
        return PoisonKind.DENSE;
    }

    @Override
    public Optional<LabeledDataset> holdout(Path dataDir) {
        return Optional.of(FashionMnist.test(dataDir));
    }

    @Override
    public Optional<LabeledDataset> streamed(Path dataDir, ModelSpec spec, int maxTextChars, int count) {
        return Optional.empty();
    }
}
