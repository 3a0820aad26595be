package io.seedflow.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Prints the derived figures of a JMH CSV result file ({@code -rf csv}) of the four core benchmarks as Markdown
 * tables: Gaussian values/s, update ns/parameter, forward samples/s, and the ZO step breakdown with
 * step / (2 x forward(B)) and pairedForward / step. Usage: {@code java -cp benchmarks.jar io.seedflow.bench.Summary
 * results.csv}.
 */
public final class Summary {
    private static final String PKG = "io.seedflow.bench.";

    /** One CSV row: score and error already in the canonical unit (per second, or nanoseconds per operation). */
    record Row(String benchmark, double score, double error, Map<String, String> params) {
    }

    private final List<Row> rows;

    Summary(List<Row> rows) {
        this.rows = rows;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Summary <jmh-results.csv>");
            System.exit(2);
        }
        System.out.println("CPU kernel (this JVM): " + kernelName() + "\n");
        System.out.print(new Summary(parse(Files.readAllLines(Path.of(args[0])))).render());
    }

    /** {@code Mlp.kernelName()} where core has it (vector or scalar tile kernel), else "n/a". */
    static String kernelName() {
        try {
            return String.valueOf(Class.forName("io.seedflow.core.model.Mlp").getMethod("kernelName").invoke(null));
        } catch (ReflectiveOperationException | LinkageError e) {
            return "n/a";
        }
    }

    static List<Row> parse(List<String> lines) {
        List<Row> out = new ArrayList<>();
        if (lines.isEmpty()) {
            return out;
        }
        List<String> header = splitCsv(lines.get(0));
        int iBench = header.indexOf("Benchmark");
        int iScore = header.indexOf("Score");
        int iUnit = header.indexOf("Unit");
        int iError = -1;
        for (int i = 0; i < header.size(); i++) {
            if (header.get(i).startsWith("Score Error")) {
                iError = i;
            }
        }
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            List<String> f = splitCsv(line);
            double factor = toCanonical(f.get(iUnit));
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < header.size() && i < f.size(); i++) {
                if (header.get(i).startsWith("Param: ") && !f.get(i).isEmpty()) {
                    params.put(header.get(i).substring("Param: ".length()), f.get(i));
                }
            }
            String name = f.get(iBench);
            out.add(new Row(name.startsWith(PKG) ? name.substring(PKG.length()) : name,
                    number(f.get(iScore)) * factor, iError >= 0 ? number(f.get(iError)) * factor : Double.NaN,
                    params));
        }
        return out;
    }

    private static double number(String s) {
        try {
            return Double.parseDouble(s.replace(',', '.'));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** Factor to ops/s for throughput units, to ns/op for time units. */
    static double toCanonical(String unit) {
        String[] p = unit.split("/");
        if (p.length != 2) {
            return 1;
        }
        if (p[0].equals("ops")) { // ops per time unit -> ops per second
            return 1e9 / nanos(p[1]);
        }
        return nanos(p[0]); // time unit per op -> ns per op
    }

    private static double nanos(String u) {
        return switch (u) {
            case "ns" -> 1;
            case "us" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "min" -> 60e9;
            default -> Double.NaN;
        };
    }

    Row find(String benchmark, String... kv) {
        for (Row r : rows) {
            if (!r.benchmark.equals(benchmark)) {
                continue;
            }
            boolean ok = true;
            for (int i = 0; i + 1 < kv.length; i += 2) {
                ok &= kv[i + 1].equals(r.params.get(kv[i]));
            }
            if (ok) {
                return r;
            }
        }
        return null;
    }

    private Set<String> values(String benchPrefix, String param) {
        Set<String> v = new LinkedHashSet<>();
        for (Row r : rows) {
            if (r.benchmark.startsWith(benchPrefix) && r.params.containsKey(param)) {
                v.add(r.params.get(param));
            }
        }
        return v;
    }

    String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("Gaussian generation, single thread (values/s)\n\n");
        sb.append("| generator | values/s | ± (99.9%) |\n|---|---:|---:|\n");
        for (String m : List.of("philox", "splittableBoxMuller", "threadLocalRandomNextGaussian")) {
            Row r = find("GaussianBench." + m);
            sb.append(row(m + (m.equals("philox") ? " (PerturbationGenerator.fill, bit-reproducible)" : ""),
                    r == null ? "-" : sci(r.score), r == null ? "-" : sci(r.error)));
        }
        sb.append("\nUpdate pass, ").append(String.format(Locale.ROOT, "%,d", UpdateBench.PARAMS))
                .append(" parameters (").append(UpdateBench.SPEC).append("), one term (ns/parameter)\n\n");
        sb.append("| variant | ns/param | ± (99.9%) | Mparam/s |\n|---|---:|---:|---:|\n");
        for (String m : List.of("apply", "axpy", "axpyParallel")) {
            Row r = find("UpdateBench." + m);
            String label = switch (m) {
                case "apply" -> "UpdateApplier.apply (z from seed, parallel)";
                case "axpy" -> "axpy, pre-generated z, 1 thread";
                default -> "axpy, pre-generated z, parallel";
            };
            sb.append(r == null ? row(label, "-", "-", "-")
                    : row(label, fix(r.score, 3), fix(r.error, 3), fix(1e3 / r.score, 1)));
        }
        sb.append("\nMLP forward, Mlp.logits (samples/s)\n\n");
        sb.append("| model | batch | samples/s | ± (99.9%) |\n|---|---:|---:|---:|\n");
        for (String model : values("MlpForwardBench.", "model")) {
            for (String b : List.of("64", "256")) {
                Row r = find("MlpForwardBench.logitsB" + b, "model", model);
                if (r != null) {
                    sb.append(row(model, b, fix(r.score, 0), fix(r.error, 0)));
                }
            }
        }
        sb.append("\nZO step breakdown (µs per call; ideal step / (2 x fwd(B)) = 1)\n\n");
        sb.append("| model | B | zoStep | fwd(B) | fwd(2B) | pairedForward | applyUpdate "
                + "| step/(2·fwd(B)) | step/fwd(2B) | paired/step | apply/step | 2·fwd(B)/step |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String model : values("ZoStepBench.", "model")) {
            for (String b : values("ZoStepBench.", "batch")) {
                double step = ns("ZoStepBench.zoStep", model, b);
                double f1 = ns("ZoStepBench.forward", model, b);
                double f2 = ns("ZoStepBench.forward2x", model, b);
                double paired = ns("ZoStepBench.pairedForward", model, b);
                double apply = ns("ZoStepBench.applyUpdate", model, b);
                if (Double.isNaN(step) && Double.isNaN(f1)) {
                    continue;
                }
                sb.append(row(model, b, fix(step / 1e3, 1), fix(f1 / 1e3, 1), fix(f2 / 1e3, 1),
                        fix(paired / 1e3, 1), fix(apply / 1e3, 1), fix(step / (2 * f1), 2), fix(step / f2, 2),
                        fix(paired / step, 2), fix(apply / step, 2), fix(2 * f1 / step, 2)));
            }
        }
        return sb.toString();
    }

    private double ns(String bench, String model, String batch) {
        Row r = find(bench, "model", model, "batch", batch);
        return r == null ? Double.NaN : r.score;
    }

    private static String row(String... cells) {
        return "| " + String.join(" | ", cells) + " |\n";
    }

    private static String fix(double v, int digits) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,." + digits + "f", v);
    }

    private static String sci(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3e", v);
    }

    /** Splits one CSV line, honouring double quotes (JMH quotes strings, never numbers). */
    static List<String> splitCsv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
