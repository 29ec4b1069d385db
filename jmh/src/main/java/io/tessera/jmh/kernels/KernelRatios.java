package io.tessera.jmh.kernels;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link KernelBenchmarks} (JMH command-line options accepted, e.g. {@code -f1 -wi 2 -i 3 -w 1s
 * -r 1s -p kernels=vector,scalar}) and prints, for each kernel, its throughput as a fraction of
 * the bound measured in the same run, next to the target.
 */
public final class KernelRatios {
    private KernelRatios() {}

    private static final Map<String, Double> TARGETS = new LinkedHashMap<>();
    static {
        TARGETS.put("chunkFill", 0.8);
        TARGETS.put("subBox", 0.5);
        TARGETS.put("subBoxRows", 0.5);
        TARGETS.put("scalarFill", 0.8);
        TARGETS.put("int32ToFloat32", 0.5);
        TARGETS.put("reversedCopy", 0.0);
        TARGETS.put("byteSwap", 0.0);
        TARGETS.put("allEqual", 0.0);
    }

    public static void main(String[] args) throws Exception {
        CommandLineOptions cli = new CommandLineOptions(args);
        OptionsBuilder options = new OptionsBuilder();
        options.parent(cli);
        if (cli.getIncludes().isEmpty()) options.include(KernelBenchmarks.class.getName());
        Collection<RunResult> results = new Runner(options.build()).run();
        Map<String, Double> score = new LinkedHashMap<>();
        for (RunResult r : results) {
            String method = r.getParams().getBenchmark().substring(r.getParams().getBenchmark().lastIndexOf('.') + 1);
            String kernels = r.getParams().getParam("kernels");
            score.put(method + "/" + kernels, r.getPrimaryResult().getScore());
        }
        System.out.println();
        System.out.println("kernel / bound, same run (ops/s ratio; each pair moves the same bytes):");
        for (Map.Entry<String, Double> e : score.entrySet()) {
            String method = e.getKey().substring(0, e.getKey().indexOf('/'));
            if (method.endsWith("Bound")) continue;
            // The bound measured in the same parameter group (it does not depend on the kernels).
            Double b = score.get(method + "Bound" + e.getKey().substring(e.getKey().indexOf('/')));
            if (b == null) continue;
            double ratio = e.getValue() / b;
            double target = TARGETS.getOrDefault(method, 0.0);
            String verdict = target == 0 ? "(no target)" : String.format("(target >= %.1fx) %s", target, ratio >= target ? "ok" : "BELOW TARGET");
            System.out.printf("  %-28s %8.3fx  %s%n", e.getKey(), ratio, verdict);
        }
    }
}
