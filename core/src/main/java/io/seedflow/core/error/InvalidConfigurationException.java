package io.seedflow.core.error;

/** A setting is outside its allowed range; the message names the setting, the value and the range. */
public class InvalidConfigurationException extends SeedFlowException {
    public InvalidConfigurationException(String setting, Object value, String allowed) {
        super("invalid setting " + setting + "=" + value + ": " + allowed);
    }
}
