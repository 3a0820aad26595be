package io.seedflow.jobs.cli;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.settings.JobSettings;
import io.seedflow.core.settings.Setting;
import io.seedflow.core.settings.TrainerSettings;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Model.CommandSpec;

/** Errors of a command line in the user's words: a setting named by the flag the command has for it. */
public final class CommandLineErrors {
    /** Longest key first, so that no key is replaced inside a longer one (momentum inside momentum-terms). */
    private static final List<Setting<?>> DECLARED = Stream.concat(TrainerSettings.ALL.stream(),
            JobSettings.ALL.stream()).sorted(Comparator.comparingInt((Setting<?> s) -> s.key().length()).reversed())
            .toList();

    private CommandLineErrors() {
    }

    /**
     * One line for {@code e}: {@code invalid value --flag=value: what is allowed}, with every setting key in it that
     * {@code command} has a flag for written as that flag.
     */
    public static String inFlags(InvalidConfigurationException e, CommandSpec command) {
        String name = e.setting();
        String allowed = e.allowed();
        for (Setting<?> s : DECLARED) {
            if (s.flag().isPresent() && command.findOption(s.flag().get()) != null) {
                name = name.equals(s.key()) ? s.flag().get() : name;
                allowed = allowed.replace(s.key(), s.flag().get());
            }
        }
        return "invalid value " + name + "=" + e.value() + ": " + allowed;
    }
}
