package io.seedflow.core.settings;

import io.seedflow.core.error.InvalidConfigurationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * One setting, declared once: its configuration key, its command-line flag (with older spellings), its type, its
 * default, what values are allowed, and its documentation. Flink's {@code ConfigOption}s (operators), the command-line
 * flags (jobs) and the reference table in docs/settings.md are all derived from these declarations
 * ({@link TrainerSettings}, {@link JobSettings}); nothing else spells a key, a default or a range.
 *
 * @param <T> the value type: Integer, Long, Float, Double, String, Duration, an enum or {@code List<String>}
 */
public final class Setting<T> {
    /** The value types a setting can have. */
    public enum Kind { INT, LONG, FLOAT, DOUBLE, STRING, DURATION, ENUM, LIST }

    private record Rule<T>(Predicate<T> allows, String expected) {
    }

    private final String key;
    private final List<String> flags;
    private final Kind kind;
    private final Class<?> enumType;
    private final T defaultValue;
    private final String doc;
    private final List<Rule<T>> rules;

    private Setting(Builder<T> b) {
        this.key = b.key;
        this.flags = List.copyOf(b.flags);
        this.kind = b.kind;
        this.enumType = b.enumType;
        this.defaultValue = b.defaultValue;
        this.doc = Objects.requireNonNull(b.doc, () -> "doc of " + b.key);
        this.rules = List.copyOf(b.rules);
        if (defaultValue != null) {
            check(defaultValue); // a declaration whose default breaks its own rules fails at class load
        }
    }

    public static Builder<Integer> intSetting(String key) {
        return new Builder<>(key, Kind.INT, null);
    }

    public static Builder<Long> longSetting(String key) {
        return new Builder<>(key, Kind.LONG, null);
    }

    public static Builder<Float> floatSetting(String key) {
        return new Builder<>(key, Kind.FLOAT, null);
    }

    public static Builder<Double> doubleSetting(String key) {
        return new Builder<>(key, Kind.DOUBLE, null);
    }

    public static Builder<String> stringSetting(String key) {
        return new Builder<>(key, Kind.STRING, null);
    }

    public static Builder<Duration> durationSetting(String key) {
        return new Builder<>(key, Kind.DURATION, null);
    }

    public static <E extends Enum<E>> Builder<E> enumSetting(String key, Class<E> type) {
        return new Builder<>(key, Kind.ENUM, type);
    }

    /** A list of names, written separated by {@code ,} or {@code ;}. */
    public static Builder<List<String>> listSetting(String key) {
        return new Builder<List<String>>(key, Kind.LIST, null).defaultValue(List.of());
    }

    /** The configuration key, e.g. {@code seedflow.zo.learning-rate}. */
    public String key() {
        return key;
    }

    /** The command-line flag, e.g. {@code --learning-rate}; empty for a setting set by key only. */
    public Optional<String> flag() {
        return flags.isEmpty() ? Optional.empty() : Optional.of(flags.get(0));
    }

    /** The flag followed by its older spellings, still accepted; empty for a setting set by key only. */
    public List<String> flagNames() {
        return flags;
    }

    public Kind kind() {
        return kind;
    }

    /** The enum class of an {@link Kind#ENUM} setting. */
    @SuppressWarnings("unchecked")
    public <E extends Enum<E>> Class<E> enumType() {
        if (kind != Kind.ENUM) {
            throw new IllegalStateException(key + " is not an enum setting");
        }
        return (Class<E>) enumType;
    }

    /** The default; empty when the setting has none (it is optional or required where it is used). */
    public Optional<T> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    public String doc() {
        return doc;
    }

    /** What values are allowed, in words (e.g. "an integer >= 1"). */
    public String allowed() {
        String type = switch (kind) {
            case INT -> "an integer";
            case LONG -> "an integer";
            case FLOAT, DOUBLE -> "a number";
            case STRING -> "text";
            case DURATION -> Durations.EXPECTED;
            case ENUM -> "one of " + constants();
            case LIST -> "names separated by , or ;";
        };
        String more = rules.stream().map(Rule::expected).collect(Collectors.joining(", "));
        return more.isEmpty() ? type : type + ", " + more;
    }

    /**
     * The value {@code raw} describes, checked against the rules.
     *
     * @throws InvalidConfigurationException naming the key, the value and what is allowed
     */
    public T parse(String raw) {
        T value = parseUnchecked(raw);
        try {
            return check(value);
        } catch (InvalidConfigurationException e) {
            throw new InvalidConfigurationException(key, raw, e.allowed()); // the value as it was written
        }
    }

    /**
     * {@code value} if it is allowed.
     *
     * @throws InvalidConfigurationException naming the key, the value and what is allowed
     */
    public T check(T value) {
        if (value == null) {
            throw new InvalidConfigurationException(key, null, "expected " + allowed());
        }
        for (Rule<T> r : rules) {
            if (!r.allows().test(value)) {
                throw new InvalidConfigurationException(key, text(value), "expected " + allowed());
            }
        }
        return value;
    }

    /** {@code value} written the way {@link #parse} reads it back. */
    public String text(T value) {
        if (value instanceof Duration d) {
            return Durations.format(d);
        }
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).collect(Collectors.joining(";"));
        }
        return String.valueOf(value);
    }

    /** The default written as text; empty when there is none. */
    public String defaultText() {
        return defaultValue == null ? "" : text(defaultValue);
    }

    @SuppressWarnings("unchecked")
    private T parseUnchecked(String raw) {
        String v = raw == null ? "" : raw.trim();
        try {
            Object value = switch (kind) {
                case INT -> Integer.parseInt(v);
                case LONG -> Long.parseLong(v);
                case FLOAT -> Float.parseFloat(v);
                case DOUBLE -> Double.parseDouble(v);
                case STRING -> v;
                case DURATION -> Durations.parse(v);
                case ENUM -> enumConstant(v);
                case LIST -> v.isEmpty() ? List.of() : Arrays.stream(v.split("[,;]")).map(String::trim)
                        .filter(s -> !s.isEmpty()).toList();
            };
            return (T) value;
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(key, raw, "expected " + allowed());
        }
    }

    private Object enumConstant(String v) {
        for (Object c : enumType.getEnumConstants()) {
            if (((Enum<?>) c).name().equalsIgnoreCase(v)) {
                return c;
            }
        }
        throw new IllegalArgumentException(v);
    }

    private List<String> constants() {
        List<String> names = new ArrayList<>();
        for (Object c : enumType.getEnumConstants()) {
            names.add(((Enum<?>) c).name());
        }
        return names;
    }

    @Override
    public String toString() {
        return key;
    }

    /** Declares a {@link Setting}. */
    public static final class Builder<T> {
        private final String key;
        private final Kind kind;
        private final Class<?> enumType;
        private final List<String> flags = new ArrayList<>();
        private final List<Rule<T>> rules = new ArrayList<>();
        private T defaultValue;
        private String doc;

        private Builder(String key, Kind kind, Class<?> enumType) {
            if (!key.startsWith("seedflow.") || !key.equals(key.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("setting keys are lower case under seedflow., got " + key);
            }
            this.key = key;
            this.kind = kind;
            this.enumType = enumType;
        }

        /** The command-line flag, then older spellings still accepted. */
        public Builder<T> flag(String flag, String... oldSpellings) {
            flags.add(flag);
            flags.addAll(List.of(oldSpellings));
            return this;
        }

        public Builder<T> defaultValue(T value) {
            this.defaultValue = value;
            return this;
        }

        public Builder<T> doc(String doc) {
            this.doc = doc;
            return this;
        }

        /** A rule every value must pass; {@code expected} says it in words, e.g. ">= 1". */
        public Builder<T> check(Predicate<T> allows, String expected) {
            rules.add(new Rule<>(allows, expected));
            return this;
        }

        public Setting<T> build() {
            return new Setting<>(this);
        }
    }
}
