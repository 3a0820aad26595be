package io.seedflow.core.error;

import java.util.Objects;

/** A setting is outside its allowed range; the message names the setting, the value and the range. */
public class InvalidConfigurationException extends SeedFlowException {
    private final String setting;
    private final String value;
    private final String allowed;

    public InvalidConfigurationException(String setting, Object value, String allowed) {
        super("invalid setting " + setting + "=" + value + ": " + allowed);
        this.setting = setting;
        this.value = Objects.toString(value);
        this.allowed = allowed;
    }

    /** The setting's key (or the flag or field name the caller used). */
    public String setting() {
        return setting;
    }

    /** The refused value as text. */
    public String value() {
        return value;
    }

    /** What is allowed instead. */
    public String allowed() {
        return allowed;
    }
}
