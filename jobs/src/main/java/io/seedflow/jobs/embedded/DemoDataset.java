package io.seedflow.jobs.embedded;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.settings.TrainerSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the {@link StreamingDemo} streams, and what that takes: the model and its recipe, the events, the poison
 * records that fit them, and how the model is scored. {@link FashionMnistDemoDataset}: images in shuffled epochs, an
 * MLP, a replica scored on a holdout topic. {@link SpamAssassinDemoDataset}: mails in time order as text events, the
 * pretrained encoder, scored prequentially by the trainer and drawn as a learning curve at the end.
 */
public interface DemoDataset {
    String FASHION_MNIST = "fashion-mnist";
    String SPAM_ASSASSIN = "spam-assassin";
    /** The names {@link #named} takes. */
    List<String> NAMES = List.of(FASHION_MNIST, SPAM_ASSASSIN);

    /** A fresh instance of the data set called {@code name}; unknown names fail naming the {@code dataset} flag. */
    static DemoDataset named(String name) {
        if (FashionMnistDemoDataset.NAME.equals(name)) {
            return new FashionMnistDemoDataset();
        }
        if (SpamAssassinDemoDataset.NAME.equals(name)) {
            return new SpamAssassinDemoDataset();
        }
        throw new InvalidConfigurationException("--dataset", name, "one of " + String.join(", ", NAMES));
    }

    /** {@code spec} parsed; a malformed one fails naming {@code seedflow.model.spec} (the {@code --model} flag). */
    static ModelSpec parseModel(String spec) {
        try {
            return ModelSpecs.parse(spec);
        } catch (InvalidConfigurationException e) {
            throw new InvalidConfigurationException(TrainerSettings.MODEL_SPEC.key(), spec, e.allowed());
        }
    }

    /** The name on the command line, e.g. {@code spam-assassin}. */
    String name();

    /** What is streamed, for the start message, e.g. {@code Fashion-MNIST (shuffled epochs)}. */
    String describe();

    /** The model id of the events, the updates and the replica. */
    String modelId();

    /** The demo's defaults for this data set. */
    DemoRecipe recipe();

    /** Where the data set's files are unless {@code --data-dir} says otherwise. */
    Path defaultDataDir();

    /**
     * {@code spec} parsed, if this data set's events fit it.
     *
     * @throws InvalidConfigurationException naming {@code seedflow.model.spec} if they do not
     */
    ModelSpec model(String spec);

    /** The events to stream from the files in {@code dataDir}: {@code limit} of them, 0 = the data set's default. */
    LabeledEventSource events(Path dataDir, long limit);

    /** The kinds of bad record that fit these events. */
    List<PoisonKind> poisonKinds();

    /** The set the replica is scored on, sent through a holdout topic; empty = scored prequentially instead. */
    Optional<LabeledDataset> holdout(Path dataDir);

    /**
     * The first {@code count} examples in the order the trainer trained on them (the streamed events the decode stage
     * accepts, as it turns them into examples), for scoring the frozen starting model; empty if the data set cannot
     * replay its stream.
     */
    Optional<LabeledDataset> streamed(Path dataDir, ModelSpec spec, int maxTextChars, int count);
}
