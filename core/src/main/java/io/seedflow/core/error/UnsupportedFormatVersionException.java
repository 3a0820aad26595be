package io.seedflow.core.error;

/** A record or file declares a format version this code does not implement. */
public class UnsupportedFormatVersionException extends SeedFlowException {
    /** A file or record whose format is not told by a version number (an update log of an unknown record schema). */
    public UnsupportedFormatVersionException(String message) {
        super(message);
    }

    public UnsupportedFormatVersionException(String what, int found, int supported) {
        super(what + " has format version " + found + " but this build supports only version " + supported
                + "; upgrade the replica");
    }

    public UnsupportedFormatVersionException(String what, int found, int lowest, int highest) {
        super(what + " has format version " + found + " but this build supports versions " + lowest + " to "
                + highest + "; upgrade the replica");
    }
}
