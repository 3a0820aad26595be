package io.seedflow.core.settings;

import java.util.List;

/**
 * The reference table of every declared setting, in Markdown: docs/settings.md is this text
 * ({@code ./seedflow settings > docs/settings.md}; a test fails when the two differ).
 */
public final class SettingsReference {
    private SettingsReference() {
    }

    /** The whole document. */
    public static String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# Settings reference\n\n")
                .append("Generated from the declarations in core (`io.seedflow.core.settings.TrainerSettings`, ")
                .append("`JobSettings`) by `./seedflow settings > docs/settings.md`; do not edit by hand.\n\n")
                .append("Each setting is a key (a Flink configuration key of the trainer, or `--conf KEY=VALUE` of ")
                .append("`seedflow run`) and, where shown, a flag of `seedflow run` (`demo` and `train-offline` ")
                .append("take some of the same flags; `train-offline` has its own recipe defaults, see its `--help`). ")
                .append("Older spellings that `train-offline` still accepts are in parentheses. Durations take a unit: ")
                .append("250ms, 10s, ")
                .append("2min, 1h, 7d.\n\n");
        section(b, "Trainer", "The model, the ZO estimator, the streaming trainer and the snapshot store. The "
                + "defaults are the measured streaming recipe (docs/benchmarks.md §1b).", TrainerSettings.ALL);
        section(b, "Streaming job", "Topics, consumer group, dead letters and checkpoints of `seedflow run`.",
                JobSettings.ALL);
        return b.toString();
    }

    private static void section(StringBuilder b, String title, String intro, List<Setting<?>> settings) {
        b.append("## ").append(title).append("\n\n").append(intro).append("\n\n")
                .append("| Key | Flag | Default | Allowed | Description |\n")
                .append("|---|---|---|---|---|\n");
        for (Setting<?> s : settings) {
            b.append("| `").append(s.key()).append("` | ").append(flags(s)).append(" | ")
                    .append(s.defaultText().isEmpty() ? "—" : "`" + s.defaultText() + "`").append(" | ")
                    .append(cell(s.allowed())).append(" | ").append(cell(s.doc())).append(" |\n");
        }
        b.append('\n');
    }

    private static String flags(Setting<?> s) {
        List<String> names = s.flagNames();
        if (names.isEmpty()) {
            return "—";
        }
        String first = "`" + names.get(0) + "`";
        if (names.size() == 1) {
            return first;
        }
        return first + " (" + String.join(", ", names.subList(1, names.size()).stream()
                .map(n -> "`" + n + "`").toList()) + ")";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
