package io.seedflow.jobs.cli;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.settings.Setting;
import io.seedflow.core.settings.TrainerSettings;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;

/** The {@code --conf KEY=VALUE} trainer settings of a command: each key declared, each value parsed and checked. */
final class TrainerConfOption {
    private static final Map<String, Setting<?>> TRAINER_KEYS = TrainerSettings.ALL.stream()
            .collect(Collectors.toMap(Setting::key, s -> s, (a, b) -> a, TreeMap::new));

    private TrainerConfOption() {
    }

    /** Sets every pair of {@code conf} on {@code into}, refusing an unknown key or a bad value in one line. */
    static Configuration apply(Map<String, String> conf, Configuration into) {
        for (Map.Entry<String, String> e : conf.entrySet()) {
            Setting<?> setting = TRAINER_KEYS.get(e.getKey());
            if (setting == null) {
                throw new IllegalArgumentException("--conf " + e.getKey() + "=" + e.getValue() + ": unknown setting '"
                        + e.getKey() + "'; expected one of the keys of docs/settings.md: " + TRAINER_KEYS.keySet());
            }
            try {
                setting.parse(e.getValue());
            } catch (InvalidConfigurationException invalid) {
                throw new InvalidConfigurationException("--conf " + e.getKey(), e.getValue(), invalid.allowed());
            }
            into.setString(e.getKey(), e.getValue());
        }
        return into;
    }

    /** Whether {@code key} is a trainer setting. */
    static boolean isTrainerKey(String key) {
        return TRAINER_KEYS.containsKey(key);
    }
}
