package io.seedflow.jobs.cli;

import io.seedflow.jobs.offline.LearningCurve;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code seedflow plot}: several learning-curve CSVs in one PNG (e.g. ZO-SGD beside the backprop baseline). */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = "Plot test accuracy vs step of one or more curve.csv files into one PNG.")
public final class PlotCommand implements Callable<Integer> {
    @Option(names = "--csv", required = true, description = "A curve.csv written by train-offline (repeatable).")
    List<Path> csv;

    @Option(names = "--out", required = true, description = "PNG to write.")
    Path out;

    @Option(names = "--title", defaultValue = "Fashion-MNIST test accuracy", description = "Chart title.")
    String title;

    @Override
    public Integer call() {
        List<LearningCurve> curves = new ArrayList<>();
        for (Path p : csv) {
            curves.add(LearningCurve.readCsv(p));
        }
        LearningCurve.writePng(out, title, curves);
        System.out.println("wrote " + out);
        return 0;
    }
}
