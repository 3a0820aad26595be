package io.seedflow.jobs.embedded;

import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.data.LabeledEmail;
import io.seedflow.core.data.SpamAssassinCorpus;
import io.seedflow.core.data.TrainingExample;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.InputCodec;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.settings.TrainerSettings;
import io.seedflow.jobs.study.text.TextRecipe;
import io.seedflow.schemas.LabeledEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The email demo's data set: the SpamAssassin corpus in time order (oldest mail first, {@link SpamAssassinCorpus}),
 * each mail one text event ({@link LabeledEmail#text()}: subject, a line break, body; label 1 spam, 0 ham), streamed
 * once. The model is the pretrained MiniLM encoder with a new two-class head and the text study's recipe
 * ({@link TextRecipe}); there is no holdout: every mail is scored by the trainer before it trains on it (prequential).
 */
public final class SpamAssassinDemoDataset extends NamedDemoDataset {
    static final String NAME = DemoDataset.SPAM_ASSASSIN;
    public static final double RATE = 8;
    public static final int MINUTES = 5;
    public static final long POISON_EVERY = 100;
    static final String MODEL_ID = "spam-assassin-encoder";
    /** The rate and duration: measured on the 2-core build machine (README, the email demo). */
    static final DemoRecipe RECIPE = new DemoRecipe(TextRecipe.MODEL, TextRecipe.BATCH, TextRecipe.ZO_LEARNING_RATE,
            TextRecipe.HEAD_LEARNING_RATE, RATE,
            Duration.ofMinutes(MINUTES), POISON_EVERY);

    public SpamAssassinDemoDataset() {
        super(NAME, "SpamAssassin mails (time order, once)", MODEL_ID, RECIPE, SpamAssassinCorpus::defaultDir);
    }

    private List<LabeledEmail> mails; // read once
    private Path mailsDir;

    @Override
    public ModelSpec model(String spec) {
        ModelSpec s = DemoDataset.parseModel(spec);
        if (s.inputKind() != InputKind.TOKENS || s.classes() != 2) {
            throw new InvalidConfigurationException(TrainerSettings.MODEL_SPEC.key(), spec, "a text model of 2 "
                    + "classes (ham, spam) for " + NAME + ", e.g. " + RECIPE.modelSpec() + " or "
                    + RECIPE.modelSpec() + ":32 (32 tokens)");
        }
        return s;
    }

    @Override
    public LabeledEventSource events(Path dataDir, long limit) {
        List<LabeledEmail> all = mails(dataDir);
        int total = limit == 0 ? all.size() : (int) Math.min(limit, all.size());
        return new LabeledEventSource() {
            private int next;

            @Override
            public LabeledEvent next(Instant now) {
                if (next == total) {
                    return null;
                }
                LabeledEmail mail = all.get(next);
                LabeledEvent event = LabeledEvent.newBuilder().setEventId(NAME + "/" + next).setEventTime(now)
                        .setModelId(MODEL_ID).setLabel(mail.label()).setText(mail.text())
                        .setAttributes(Map.of("dataset", NAME, "source", mail.source(), "date",
                                mail.date().toString()))
                        .build();
                next++;
                return event;
            }

            @Override
            public int classes() {
                return 2;
            }

            @Override
            public String describe() {
                return String.format("%s (%,d of %,d mails, time order)", NAME, total, all.size());
            }
        };
    }

    @Override
    public List<PoisonKind> poisonKinds() {
        return PoisonKind.TEXT;
    }

    @Override
    public Optional<LabeledDataset> holdout(Path dataDir) {
        return Optional.empty();
    }

    /** The first {@code count} mails the decode stage accepts, decoded as it does (the model's input codec). */
    @Override
    public Optional<LabeledDataset> streamed(Path dataDir, ModelSpec spec, int maxTextChars, int count) {
        List<TrainingExample> examples = new ArrayList<>(count);
        try (InputCodec.Decoder decoder = spec.inputCodec().decoder(maxTextChars)) {
            for (LabeledEmail mail : mails(dataDir)) {
                if (examples.size() == count) {
                    break;
                }
                InputCodec.Decoded d = decoder.decode(MODEL_ID, null, mail.text(), mail.label(), NAME, 0,
                        examples.size());
                if (d.example() != null) {
                    examples.add(d.example());
                }
            }
        }
        return Optional.of(spec.inputCodec().dataset(NAME, examples));
    }

    private synchronized List<LabeledEmail> mails(Path dataDir) {
        if (mails == null || !dataDir.equals(mailsDir)) {
            mails = SpamAssassinCorpus.read(dataDir).emails();
            mailsDir = dataDir;
        }
        return mails;
    }
}
