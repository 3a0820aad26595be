package io.seedflow.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedflow.core.error.SeedFlowException;
import io.seedflow.core.model.Batch;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Fashion-MNIST files (fetched by scripts/fetch-data.sh; surefire passes -Dseedflow.data.dir). Never skipped:
 * a missing data set is a failure with instructions.
 */
class FashionMnistTest {
    private static LabeledDataset train;
    private static LabeledDataset test;

    @BeforeAll
    static void load() {
        Path dir = requireData();
        train = FashionMnist.train(dir);
        test = FashionMnist.test(dir);
    }

    /** The data directory, or a failure that says how to get it. */
    static Path requireData() {
        Path dir = FashionMnist.defaultDir();
        assertThat(Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz")))
                .withFailMessage("Fashion-MNIST not found in %s: run scripts/fetch-data.sh (or pass "
                        + "-Dseedflow.data.dir=<dir containing fashion-mnist/>)", dir.toAbsolutePath())
                .isTrue();
        return dir;
    }

    @Test
    void sizesAndShapes() {
        assertThat(train.count()).isEqualTo(60_000);
        assertThat(test.count()).isEqualTo(10_000);
        for (LabeledDataset d : new LabeledDataset[] {train, test}) {
            assertThat(d.featureCount()).isEqualTo(784).isEqualTo(FashionMnist.FEATURES);
            assertThat(d.classes()).isEqualTo(10);
            assertThat(d.features()).hasSize(d.count() * 784);
            assertThat(d.labels()).hasSize(d.count());
        }
        assertThat(train.name()).isEqualTo("fashion-mnist-train");
        assertThat(test.name()).isEqualTo("fashion-mnist-t10k");
    }

    @Test
    void classesAreBalanced() {
        int[] trainCounts = new int[10];
        for (int y : train.labels()) {
            assertThat(y).isBetween(0, 9);
            trainCounts[y]++;
        }
        assertThat(trainCounts).containsOnly(6000);
        int[] testCounts = new int[10];
        for (int y : test.labels()) {
            assertThat(y).isBetween(0, 9);
            testCounts[y]++;
        }
        assertThat(testCounts).containsOnly(1000);
        // the well-known first examples: an ankle boot in both sets, then a T-shirt (train) and a pullover (test)
        assertThat(train.labels()).startsWith(9, 0, 0, 3, 0, 2, 7, 2, 5, 5);
        assertThat(test.labels()).startsWith(9, 2, 1, 1, 6, 1, 4, 6, 5, 7);
    }

    @Test
    void pixelsAreNormalisedWithTheTrainingStatistics() {
        double sum = 0;
        double sumSq = 0;
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : train.features()) {
            sum += v;
            sumSq += (double) v * v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        int n = train.features().length;
        double mean = sum / n;
        assertThat(mean).isCloseTo(0.0, Offset.offset(0.01));
        assertThat(Math.sqrt(sumSq / n - mean * mean)).isCloseTo(1.0, Offset.offset(0.01));
        // pixel 0 and 255 map to the ends of the range
        assertThat(min).isEqualTo((0f - FashionMnist.MEAN) / FashionMnist.STD);
        assertThat(max).isEqualTo((1f - FashionMnist.MEAN) / FashionMnist.STD);
        // example 0 of the training set sums to 76247 in raw pixel values
        double raw = 0;
        for (int i = 0; i < 784; i++) {
            raw += (train.features()[i] * FashionMnist.STD + FashionMnist.MEAN) * 255;
        }
        assertThat(raw).isCloseTo(76247, Offset.offset(1.0));
    }

    @Test
    void batchAndHeadCopyTheRightExamples() {
        Batch b = train.batch(new int[] {5, 0, 59_999}, 1, 2);
        assertThat(b.size()).isEqualTo(2);
        assertThat(b.labels()).containsExactly(train.labels()[0], train.labels()[59_999]);
        for (int i = 0; i < 784; i++) {
            assertThat(b.features()[i]).isEqualTo(train.features()[i]);
            assertThat(b.features()[784 + i]).isEqualTo(train.features()[59_999 * 784 + i]);
        }
        LabeledDataset head = test.head(2000);
        assertThat(head.count()).isEqualTo(2000);
        assertThat(head.features()).hasSize(2000 * 784);
        assertThat(head.labels()[1999]).isEqualTo(test.labels()[1999]);
        assertThat(test.head(20_000).count()).isEqualTo(10_000);
    }

    @Test
    void missingDirectoryTellsHowToFetchTheData(@TempDir Path tmp) {
        assertThatThrownBy(() -> FashionMnist.train(tmp.resolve("nowhere"))).isInstanceOf(SeedFlowException.class)
                .hasMessageContaining("scripts/fetch-data.sh").hasMessageContaining("train-images-idx3-ubyte")
                .hasMessageContaining("nowhere");
    }

    @Test
    void defaultDirComesFromTheSystemProperty(@TempDir Path tmp) {
        String saved = System.getProperty("seedflow.data.dir");
        try {
            System.setProperty("seedflow.data.dir", tmp.toString());
            assertThat(FashionMnist.defaultDir()).isEqualTo(tmp.resolve("fashion-mnist"));
        } finally {
            if (saved == null) {
                System.clearProperty("seedflow.data.dir");
            } else {
                System.setProperty("seedflow.data.dir", saved);
            }
        }
    }
}
