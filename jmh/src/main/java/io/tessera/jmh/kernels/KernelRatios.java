package io.tessera.jmh.kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link KernelBenchmarks} and prints, for each kernel, its throughput as a fraction of the
 * bound measured in the same run, next to the target. Arguments are JMH's (e.g. {@code -f1 -wi 2
 * -i 3 -w 1s -r 1s -p kernels=vector,scalar 'KernelBenchmarks.(chunkFill|subBox).*'}) plus
 * {@code -rounds N}: the whole selection runs N times and each pair's ratio is taken per round,
 * the median reported, so that load on a shared machine during one benchmark of a pair does not
 * decide the figure.
 */
public final class KernelRatios {
    private KernelRatios() {}

    private static final Map<String, Double> TARGETS = Map.of(
            "chunkFill", 0.8, "subBox", 0.5, "subBoxRows", 0.5, "scalarFill", 0.8, "int32ToFloat32", 0.5);
    // Benchmarks measured against another one's bound: the per-row copy loop shows what the
    // sub-box layout itself allows, next to the kernel, against the same contiguous copy.
    private static final Map<String, String> BOUND_OF = Map.of("subBoxRowsPerRowCopy", "subBoxRowsBound");

    public static void main(String[] args) throws Exception {
        int rounds = 1;
        List<String> jmhArgs = new ArrayList<>(Arrays.asList(args));
        int at = jmhArgs.indexOf("-rounds");
        if (at >= 0) {
            rounds = Integer.parseInt(jmhArgs.get(at + 1));
            jmhArgs.subList(at, at + 2).clear();
        }
        CommandLineOptions cli = new CommandLineOptions(jmhArgs.toArray(String[]::new));
        OptionsBuilder options = new OptionsBuilder();
        options.parent(cli);
        if (cli.getIncludes().isEmpty()) options.include(KernelBenchmarks.class.getName());
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            Map<String, Double> score = new LinkedHashMap<>();
            for (RunResult r : new Runner(options.build()).run()) {
                String bench = r.getParams().getBenchmark();
                score.put(bench.substring(bench.lastIndexOf('.') + 1) + "/" + r.getParams().getParam("kernels"), r.getPrimaryResult().getScore());
            }
            for (Map.Entry<String, Double> e : score.entrySet()) {
                String method = e.getKey().substring(0, e.getKey().indexOf('/'));
                if (method.endsWith("Bound")) continue;
                // The bound measured in the same round and parameter group.
                Double bound = score.get(BOUND_OF.getOrDefault(method, method + "Bound") + e.getKey().substring(e.getKey().indexOf('/')));
                if (bound != null) ratios.computeIfAbsent(e.getKey(), x -> new ArrayList<>()).add(e.getValue() / bound);
            }
        }
        System.out.println();
        System.out.println("kernel / bound, same run (ops/s ratio; each pair moves the same bytes), median of " + rounds + " round(s):");
        for (Map.Entry<String, List<Double>> e : ratios.entrySet()) {
            List<Double> rs = e.getValue().stream().sorted().toList();
            double median = rs.size() % 2 == 1 ? rs.get(rs.size() / 2) : (rs.get(rs.size() / 2 - 1) + rs.get(rs.size() / 2)) / 2;
            String method = e.getKey().substring(0, e.getKey().indexOf('/'));
            Double target = TARGETS.get(method);
            String verdict = target == null ? "(no target)" : String.format("(target >= %.1fx) %s", target, median >= target ? "ok" : "BELOW TARGET");
            StringBuilder all = new StringBuilder();
            for (double r : e.getValue()) all.append(String.format(" %.2f", r));
            System.out.printf("  %-28s %7.3fx  %s   rounds:%s%n", e.getKey(), median, verdict, all);
        }
    }
}
