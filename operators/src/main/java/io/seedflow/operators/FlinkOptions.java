package io.seedflow.operators;

import io.seedflow.core.settings.Setting;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/** Flink {@link ConfigOption}s derived from core's {@link Setting} declarations (key, type, default, doc). */
public final class FlinkOptions {
    private FlinkOptions() {
    }

    /** The Flink option of {@code setting}: same key, type, default and description. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <T> ConfigOption<T> of(Setting<T> setting) {
        ConfigOptions.OptionBuilder b = ConfigOptions.key(setting.key());
        T d = setting.defaultValue().orElse(null);
        ConfigOption<?> option = switch (setting.kind()) {
            case INT -> d == null ? b.intType().noDefaultValue() : b.intType().defaultValue((Integer) d);
            case LONG -> d == null ? b.longType().noDefaultValue() : b.longType().defaultValue((Long) d);
            case FLOAT -> d == null ? b.floatType().noDefaultValue() : b.floatType().defaultValue((Float) d);
            case DOUBLE -> d == null ? b.doubleType().noDefaultValue() : b.doubleType().defaultValue((Double) d);
            case STRING -> d == null ? b.stringType().noDefaultValue() : b.stringType().defaultValue((String) d);
            case DURATION -> d == null ? b.durationType().noDefaultValue()
                    : b.durationType().defaultValue((Duration) d);
            case ENUM -> d == null ? b.enumType((Class) setting.enumType()).noDefaultValue()
                    : b.enumType((Class) setting.enumType()).defaultValue(d);
            case LIST -> b.stringType().asList().defaultValues(((List<String>) d).toArray(String[]::new));
        };
        return (ConfigOption<T>) option.withDescription(setting.doc() + " Allowed: " + setting.allowed() + ".");
    }

    /**
     * Checks the value {@code conf} holds for each of {@code settings}, if any, with the setting's own parser and rules
     * (so a bad value is reported the same way from a Flink configuration as from a flag).
     */
    public static void check(Configuration conf, List<Setting<?>> settings) {
        Map<String, String> raw = conf.toMap();
        for (Setting<?> setting : settings) {
            String value = raw.get(setting.key());
            if (value != null) {
                setting.parse(value);
            }
        }
    }
}
