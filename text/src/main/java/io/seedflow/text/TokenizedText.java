package io.seedflow.text;

/**
 * One text as token ids: {@code [CLS]}, the text's WordPiece ids, {@code [SEP]}; {@code ids.length} is the real
 * token count (no padding).
 */
public record TokenizedText(int[] ids) {
    public TokenizedText {
        ids = ids.clone();
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    /** Number of real tokens, [CLS] and [SEP] included. */
    public int count() {
        return ids.length;
    }
}
