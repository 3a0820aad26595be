package io.seedflow.jobs.cli;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.settings.Setting;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Command-line flags derived from core's {@link Setting} declarations: a command lists the settings it takes (and any
 * default of its own, e.g. the offline recipe's batch), {@link #addTo} adds one option per setting to the command's
 * picocli model (from the command's {@code modelTransformer}), and {@link #read} parses what was given with the
 * setting's own parser and rules; a bad value is reported as {@code --flag=value: expected ...}.
 */
final class SettingFlags {
    /** A command whose flags include declared settings: its model gets them from {@link Transformer}. */
    interface Holder {
        SettingFlags settingFlags();
    }

    /**
     * The {@code modelTransformer} of every {@link Holder} command: adds its setting flags to its picocli model, however
     * the command line is built (the {@code seedflow} entry point, tests parsing a command line).
     */
    public static final class Transformer implements IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            if (!(spec.userObject() instanceof Holder holder)) {
                throw new IllegalStateException(spec.name() + " names SettingFlags.Transformer but is no Holder");
            }
            return holder.settingFlags().addTo(spec);
        }
    }

    private final List<Setting<?>> settings;
    private final Map<Setting<?>, Object> commandDefaults = new HashMap<>();
    private final Map<Setting<?>, String> defaultNotes = new HashMap<>();
    private final Set<Setting<?>> required = new HashSet<>();
    private boolean oldSpellings;

    private SettingFlags(List<Setting<?>> settings) {
        for (Setting<?> s : settings) {
            if (s.flag().isEmpty()) {
                throw new IllegalArgumentException(s.key() + " has no flag");
            }
        }
        this.settings = List.copyOf(settings);
    }

    /** Flags for {@code settings}, in this order. */
    static SettingFlags of(List<Setting<?>> settings) {
        return new SettingFlags(settings);
    }

    /** A default of this command that differs from the declared one (a recipe's), shown in the help. */
    <T> SettingFlags defaultValue(Setting<T> setting, T value) {
        commandDefaults.put(setting, setting.check(value));
        return this;
    }

    /** A default that depends on other flags, described in words for the help (e.g. "512; 16 for an encoder"). */
    SettingFlags defaultNote(Setting<?> setting, String note) {
        defaultNotes.put(setting, note);
        return this;
    }

    /** The flag must be given. */
    SettingFlags require(Setting<?> setting) {
        required.add(setting);
        return this;
    }

    /** Also accept each setting's older flag spellings (train-offline's {@code --lr}, {@code --batch} ...). */
    SettingFlags withOldSpellings() {
        oldSpellings = true;
        return this;
    }

    /** The settings these flags set. */
    List<Setting<?>> settings() {
        return settings;
    }

    /** Adds one option per setting to {@code spec}; returns it (for a picocli model transformer). */
    CommandSpec addTo(CommandSpec spec) {
        for (Setting<?> s : settings) {
            if (spec.findOption(s.flag().orElseThrow()) != null) {
                continue; // already added to this model
            }
            List<String> names = oldSpellings ? s.flagNames() : List.of(s.flag().orElseThrow());
            spec.addOption(OptionSpec.builder(names.toArray(String[]::new))
                    .paramLabel(paramLabel(s))
                    .type(String.class)
                    .required(required.contains(s))
                    .description((s.doc() + " " + defaultText(s) + "Setting " + s.key() + ".").replace("%", "%%"))
                    .build());
        }
        return spec;
    }

    private static String paramLabel(Setting<?> s) {
        return switch (s.kind()) {
            case INT, LONG -> "<n>";
            case FLOAT, DOUBLE -> "<x>";
            case STRING -> "<text>";
            case DURATION -> "<duration>";
            case ENUM -> "<" + String.join("|", java.util.Arrays.stream(s.enumType().getEnumConstants())
                    .map(c -> ((Enum<?>) c).name()).toList()) + ">";
            case LIST -> "<names>";
        };
    }

    private String defaultText(Setting<?> s) {
        String d = defaultNotes.get(s);
        if (d == null) {
            d = commandDefaults.containsKey(s) ? text(s, commandDefaults.get(s)) : s.defaultText();
        }
        return d.isEmpty() ? "" : "Default: " + d + ". ";
    }

    @SuppressWarnings("unchecked")
    private static <T> String text(Setting<T> s, Object value) {
        return s.text((T) value);
    }

    /** The values given on the command line of {@code spec}, each parsed and checked. */
    Values read(CommandSpec spec) {
        Map<Setting<?>, Object> given = new LinkedHashMap<>();
        for (Setting<?> s : settings) {
            String flag = s.flag().orElseThrow();
            OptionSpec option = spec.findOption(flag);
            if (option == null) {
                throw new IllegalStateException(spec.name() + " lacks " + flag + ": is its modelTransformer set?");
            }
            String raw = option.getValue();
            if (raw != null) {
                try {
                    given.put(s, s.parse(raw));
                } catch (InvalidConfigurationException e) {
                    throw new InvalidConfigurationException(flag, raw, e.allowed());
                }
            }
        }
        return new Values(given, commandDefaults);
    }

    /** The values of one command line. */
    static final class Values {
        private final Map<Setting<?>, Object> given;
        private final Map<Setting<?>, Object> commandDefaults;

        private Values(Map<Setting<?>, Object> given, Map<Setting<?>, Object> commandDefaults) {
            this.given = given;
            this.commandDefaults = commandDefaults;
        }

        /** The value given on the command line, if it was. */
        @SuppressWarnings("unchecked")
        <T> Optional<T> given(Setting<T> setting) {
            return Optional.ofNullable((T) given.get(setting));
        }

        /** The given value, else the command's default, else the declared default (empty if it has none). */
        @SuppressWarnings("unchecked")
        <T> Optional<T> value(Setting<T> setting) {
            Optional<T> v = given(setting);
            if (v.isPresent()) {
                return v;
            }
            if (commandDefaults.containsKey(setting)) {
                return Optional.of((T) commandDefaults.get(setting));
            }
            return setting.defaultValue();
        }

        /** Like {@link #value} for a setting that has a default. */
        <T> T get(Setting<T> setting) {
            return value(setting).orElseThrow(() -> new IllegalStateException(setting.key() + " has no default"));
        }

        /** Every setting that has a value (given or a default), as key and text, for a Flink configuration. */
        List<Map.Entry<String, String>> asText() {
            List<Map.Entry<String, String>> out = new ArrayList<>();
            for (Map.Entry<Setting<?>, Object> e : given.entrySet()) {
                out.add(Map.entry(e.getKey().key(), text(e.getKey(), e.getValue())));
            }
            for (Map.Entry<Setting<?>, Object> e : commandDefaults.entrySet()) {
                if (!given.containsKey(e.getKey())) {
                    out.add(Map.entry(e.getKey().key(), text(e.getKey(), e.getValue())));
                }
            }
            return out;
        }
    }
}
