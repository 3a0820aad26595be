package io.seedflow.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.seedflow.core.data.LabeledDataset;
import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.error.InvalidTextException;
import io.seedflow.core.error.PretrainedModelException;
import io.seedflow.core.model.Batch;
import io.seedflow.core.model.encoder.EncoderSpec;
import io.seedflow.core.model.encoder.Tokenizer;
import io.seedflow.core.model.encoder.Tokenizers;
import io.seedflow.core.model.ModelSpecs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TextTokenizerTest {
    private static TextTokenizer tokenizer;
    /** The WordPiece vocabulary, read from tokenizer.json by a regex: independent of the tokenizer under test. */
    private static Map<String, Integer> vocab;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = TextTokenizer.miniLm();
        String json;
        try (InputStream in = MiniLmResources.open(MiniLmResources.TOKENIZER)) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String section = json.substring(json.indexOf("\"vocab\": {"));
        vocab = new HashMap<>();
        Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\": (\\d+)").matcher(section);
        while (m.find()) {
            vocab.putIfAbsent(m.group(1), Integer.parseInt(m.group(2)));
        }
        assertThat(vocab).hasSize(30522);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void simpleSentencesGiveTheVocabularyIdsBetweenClsAndSep() {
        for (String s : List.of("the quick brown fox jumps over the lazy dog", "Hello, World!",
                "Unaffable spammers are UNBELIEVABLY persistent.", "Free money!!! Click here: win $1000 now")) {
            int[] ids = tokenizer.encode(s, 128).ids();
            assertThat(ids).as(s).isEqualTo(reference(s));
        }
        assertThat(tokenizer.encode("hello world", 128).ids()).containsExactly(101, 7592, 2088, 102);
    }

    @Test
    void longTextsKeepTheirFirstTokensAndEndWithSep() {
        String text = "spam and eggs ".repeat(100);
        int[] full = tokenizer.encode(text, 512).ids();
        assertThat(full).hasSize(2 + 4 * 100); // spam = sp ##am
        TokenizedText cut = tokenizer.encode(text, 16);
        assertThat(cut.count()).isEqualTo(16);
        int[] expected = Arrays.copyOf(full, 16);
        expected[15] = 102;
        assertThat(cut.ids()).isEqualTo(expected);
        // the same as the Hugging Face truncation of a single sequence
        try (InputStream in = MiniLmResources.open(MiniLmResources.TOKENIZER);
                HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(in,
                        Map.of("padding", "false", "truncation", "true", "maxLength", "16"))) {
            assertThat(Arrays.stream(hf.encode(text).getIds()).mapToInt(Math::toIntExact).toArray()).isEqualTo(expected);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThat(tokenizer.encode("hello world", 3).ids()).containsExactly(101, 7592, 102);
    }

    @Test
    void emptyBlankAndTokenlessTextsAreRejected() {
        assertThatThrownBy(() -> tokenizer.encode("", 128)).isInstanceOf(InvalidTextException.class)
                .hasMessage("text is empty; a text needs at least one word")
                .extracting(e -> ((InvalidTextException) e).problem()).isEqualTo(InvalidTextException.Problem.EMPTY);
        assertThatThrownBy(() -> tokenizer.encode(" \t\n", 128)).isInstanceOf(InvalidTextException.class)
                .hasMessage("text is blank (3 whitespace chars); a text needs at least one word");
        assertThatThrownBy(() -> tokenizer.encode("\u0000\u0001", 128)).isInstanceOf(InvalidTextException.class)
                .hasMessageContaining("text of 2 chars has no token in the vocabulary of all-minilm-l6-v2-tokenizer.json");
    }

    @Test
    void textsOverTheCharacterLimitAreRejected() {
        try (TextTokenizer small = TextTokenizer.fromResource(MiniLmResources.TOKENIZER, 10)) {
            assertThat(small.encode("hello you!", 128).ids()).containsExactly(101, 7592, 2017, 999, 102);
            assertThatThrownBy(() -> small.encode("hello world", 128)).isInstanceOf(InvalidTextException.class)
                    .hasMessage("text has 11 chars, the tokenizer accepts at most 10 (shorten it or raise the limit)")
                    .extracting(e -> ((InvalidTextException) e).problem())
                    .isEqualTo(InvalidTextException.Problem.TOO_LONG);
        }
    }

    @Test
    void aMissingTokenizerResourceIsNamed() {
        assertThatThrownBy(() -> TextTokenizer.fromResource("no-such-tokenizer.json", 100))
                .isInstanceOf(PretrainedModelException.class)
                .hasMessageStartingWith("class path resource 'no-such-tokenizer.json' not found");
    }

    @Test
    void datasetPadsEveryTextAndKeepsItsCount() {
        LabeledDataset d = tokenizer.dataset("two", List.of("hello world", "the lazy dog sleeps"), new int[] {1, 0}, 8,
                2);
        assertThat(d.count()).isEqualTo(2);
        assertThat(d.featureCount()).isEqualTo(8);
        assertThat(d.tokenCounts()).containsExactly(4, 6);
        assertThat(Arrays.copyOf(d.tokenIds(), 8)).containsExactly(101, 7592, 2088, 102, 0, 0, 0, 0);
        assertThat(d.labels()).containsExactly(1, 0);
        assertThatThrownBy(() -> tokenizer.dataset("bad", List.of("ok", " "), new int[] {0, 1}, 8, 2))
                .isInstanceOf(InvalidTextException.class).hasMessageStartingWith("text 1 of 'bad': text is blank");
    }

    @Test
    void aPredictionBatchIsTokenizedAndPaddedAsTheTrainingDataSet() {
        List<String> texts = List.of("hello world", "the lazy dog sleeps under the old oak tree all day");
        Batch b = tokenizer.batch(texts, 8, i -> "texts[" + i + "]");
        Batch trained = tokenizer.dataset("two", texts, new int[] {0, 0}, 8, 2).batch(new int[] {0, 1}, 0, 2);
        assertThat(b.tokenIds()).containsExactly(trained.tokenIds());
        assertThat(b.tokenCounts()).containsExactly(4, 8);
        assertThat(b.labels()).containsExactly(0, 0);
        assertThatThrownBy(() -> tokenizer.batch(List.of("ok", ""), 8, i -> "texts[" + i + "]"))
                .isInstanceOf(InvalidTextException.class).hasMessage("texts[1]: text is empty; a text needs at least "
                        + "one word");
    }

    @Test
    void onlyAnEncoderWithAVocabularyHasATokenizer() {
        try (TextTokenizer t = TextTokenizer.forEncoder(EncoderSpec.miniLm(2, 16))) {
            assertThat(t.encode("hello world", 16).ids()).containsExactly(101, 7592, 2088, 102);
        }
        EncoderSpec random = EncoderSpec.parse("encoder:bert-L1-H8-A2-F16-V50-P16:2");
        assertThatThrownBy(() -> TextTokenizer.forEncoder(random)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("invalid setting model spec=" + random.toText() + ": has no tokenizer: only "
                        + "all-minilm-l6-v2 encoders take text (the random bert-... encoders take token ids)");
    }

    /**
     * An independent BERT uncased tokenizer for ASCII text: lower-case, split on whitespace and punctuation, greedy
     * longest-match-first WordPiece over the vocabulary.
     */
    private static int[] reference(String text) {
        List<Integer> ids = new ArrayList<>(List.of(101));
        for (String word : text.toLowerCase().split("\\s+|(?=\\p{Punct})|(?<=\\p{Punct})")) {
            if (word.isEmpty()) {
                continue;
            }
            int start = 0;
            while (start < word.length()) {
                int end = word.length();
                Integer id = null;
                while (end > start) {
                    String piece = (start > 0 ? "##" : "") + word.substring(start, end);
                    id = vocab.get(piece);
                    if (id != null) {
                        break;
                    }
                    end--;
                }
                assertThat(id).as("WordPiece of '" + word + "'").isNotNull();
                ids.add(id);
                start = end;
            }
        }
        ids.add(102);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void coresTokenizerSeamFindsMiniLmsVocabularyAndRefusesAnEncoderWithout() {
        EncoderSpec miniLm = (EncoderSpec) ModelSpecs.parse("encoder:all-minilm-l6-v2:2");
        try (Tokenizer t = Tokenizers.forEncoder(miniLm, 50)) {
            assertThat(t.tokenIds("hello world", 128)).containsExactly(tokenizer.encode("hello world", 128).ids());
            assertThat(t.maxChars()).isEqualTo(50);
            assertThatThrownBy(() -> t.tokenIds("x".repeat(51), 128)).isInstanceOf(InvalidTextException.class);
        }
        EncoderSpec random = (EncoderSpec) ModelSpecs.parse("encoder:bert-L2-H32-A4-F64-V100-P16:3:16");
        assertThatThrownBy(() -> Tokenizers.forEncoder(random, 50)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining(random.toText()).hasMessageContaining("has no tokenizer");
    }
}
