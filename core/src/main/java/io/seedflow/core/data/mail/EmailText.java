package io.seedflow.core.data.mail;

/** Small text helpers shared by the mail parser and the corpus reader. */
public final class EmailText {
    private EmailText() {
    }

    /**
     * Replaces every run of whitespace (Unicode white space, no-break spaces and control characters included) with one
     * space and trims both ends.
     */
    public static String collapseWhitespace(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean pendingSpace = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c)) {
                pendingSpace = out.length() > 0;
            } else {
                if (pendingSpace) {
                    out.append(' ');
                    pendingSpace = false;
                }
                out.append(c);
            }
        }
        return out.toString();
    }

    /** The first {@code maxChars} chars of {@code s}, one fewer where the cut would split a surrogate pair. */
    public static String truncate(String s, int maxChars) {
        if (s.length() <= maxChars) {
            return s;
        }
        int end = maxChars;
        if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }
}
