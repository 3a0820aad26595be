package io.seedflow.jobs.serving;

import io.seedflow.core.model.Batch;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.text.TextTokenizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The tokenizers of the request threads: a {@link TextTokenizer} holds a native handle and is used by one thread at a
 * time, borrowed for one request and given back; there are never more than the requests that ran at once. Made on
 * first use (per vocabulary), closed by {@link #close()}, or, when in use then, as soon as they come back.
 */
final class TokenizerPool implements AutoCloseable {
    private final Map<String, Deque<TextTokenizer>> idle = new HashMap<>();
    private boolean closed;

    /**
     * The texts as one batch for {@code spec}'s model, tokenized as training does (see {@link TextTokenizer#batch}).
     *
     * @throws io.seedflow.core.error.InvalidTextException naming the first text that cannot be tokenized
     * @throws io.seedflow.core.error.InvalidConfigurationException when {@code spec} has no tokenizer
     */
    Batch batch(ModelSpec spec, List<String> texts, IntFunction<String> textName) {
        TextTokenizer tokenizer = borrow(spec);
        try {
            return tokenizer.batch(texts, spec.inputWidth(), textName);
        } finally {
            giveBack(spec, tokenizer);
        }
    }

    private TextTokenizer borrow(ModelSpec spec) {
        synchronized (this) {
            if (closed) {
                throw HttpError.unavailable("the server is shutting down");
            }
            TextTokenizer t = idle.computeIfAbsent(vocabulary(spec), k -> new ArrayDeque<>()).poll();
            if (t != null) {
                return t;
            }
        }
        return TextTokenizer.forEncoder(spec); // outside the lock: loading one takes a while
    }

    private void giveBack(ModelSpec spec, TextTokenizer tokenizer) {
        synchronized (this) {
            if (!closed) {
                idle.get(vocabulary(spec)).push(tokenizer);
                return;
            }
        }
        tokenizer.close();
    }

    /** The pool's key: the vocabulary (none for a model without one, which never gets a tokenizer). */
    private static String vocabulary(ModelSpec spec) {
        return spec.vocabulary().orElse("");
    }

    /** Closes the idle tokenizers now and the borrowed ones when they come back; later requests are refused (503). */
    @Override
    public void close() {
        List<TextTokenizer> toClose = new ArrayList<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(toClose::addAll);
            idle.clear();
        }
        toClose.forEach(TextTokenizer::close);
    }
}
