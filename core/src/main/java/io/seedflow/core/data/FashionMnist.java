package io.seedflow.core.data;

import io.seedflow.core.error.SeedFlowException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fashion-MNIST (Xiao et al., 2017): 60k train / 10k test 28x28 grey images in 10 classes, from the IDX files of
 * the Debian package dataset-fashion-mnist (scripts/fetch-data.sh). Pixels are scaled to
 * (p/255 - {@value #MEAN}) / {@value #STD}, the training set's mean and standard deviation.
 */
public final class FashionMnist {
    public static final int FEATURES = 784;
    public static final int CLASSES = 10;
    public static final float MEAN = 0.2860f;
    public static final float STD = 0.3530f;
    public static final String[] CLASS_NAMES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
        "Shirt", "Sneaker", "Bag", "Ankle boot"};

    private FashionMnist() {
    }

    /** Default data directory: system property seedflow.data.dir (or env SEEDFLOW_DATA_DIR, or ./data) + /fashion-mnist. */
    public static Path defaultDir() {
        String base = System.getProperty("seedflow.data.dir", System.getenv().getOrDefault("SEEDFLOW_DATA_DIR", "data"));
        return Path.of(base, "fashion-mnist");
    }

    public static LabeledDataset train(Path dir) {
        return load(dir, "train", 60_000);
    }

    public static LabeledDataset test(Path dir) {
        return load(dir, "t10k", 10_000);
    }

    static LabeledDataset load(Path dir, String prefix, int expected) {
        Path images = file(dir, prefix + "-images-idx3-ubyte");
        Path labels = file(dir, prefix + "-labels-idx1-ubyte");
        IdxReader.IdxArray img = IdxReader.read(images);
        IdxReader.IdxArray lab = IdxReader.read(labels);
        if (img.count() != expected || img.itemSize() != FEATURES || lab.count() != expected) {
            throw new SeedFlowException("Fashion-MNIST " + prefix + ": expected " + expected + " images of " + FEATURES
                    + " pixels and as many labels, got " + img.count() + " images of " + img.itemSize() + " and "
                    + lab.count() + " labels");
        }
        float[] x = new float[expected * FEATURES];
        byte[] px = img.data();
        for (int i = 0; i < x.length; i++) {
            x[i] = ((px[i] & 0xff) / 255f - MEAN) / STD;
        }
        int[] y = new int[expected];
        for (int i = 0; i < expected; i++) {
            y[i] = lab.data()[i] & 0xff;
            if (y[i] >= CLASSES) {
                throw new SeedFlowException(labels + ": label " + y[i] + " at index " + i + " is outside [0, 10)");
            }
        }
        return new LabeledDataset("fashion-mnist-" + prefix, x, y, expected, FEATURES, CLASSES);
    }

    private static Path file(Path dir, String base) {
        for (String name : new String[] {base + ".gz", base}) {
            Path p = dir.resolve(name);
            if (Files.isReadable(p)) {
                return p;
            }
        }
        throw new SeedFlowException("Fashion-MNIST file " + base + "(.gz) not found in " + dir.toAbsolutePath()
                + "; run scripts/fetch-data.sh (or set -Dseedflow.data.dir)");
    }
}
