package io.seedflow.jobs.cli;

import io.seedflow.core.settings.SettingsReference;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code seedflow settings}: the reference of every setting (key, flag, default, allowed values), as Markdown. */
@Command(name = "settings", mixinStandardHelpOptions = true,
        description = "Print the reference of every setting (key, flag, default, allowed values) as Markdown; "
                + "docs/settings.md is its output.")
public final class SettingsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.print(SettingsReference.markdown());
        return 0;
    }
}
