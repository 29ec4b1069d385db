package io.tessera.jmh.codecs;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link CodecBench} and prints, from that one run, the pipeline's overhead over the raw
 * library call per codec and direction (target: at most 15%). Takes JMH's usual options, e.g.
 * {@code -f1 -wi 2 -i 3 -w 1s -r 1s}.
 */
public final class CodecOverhead {
    private CodecOverhead() {}

    public static void main(String[] args) throws Exception {
        CommandLineOptions cli = new CommandLineOptions(args);
        Collection<RunResult> results = new Runner(new OptionsBuilder().parent(cli)
                .include(CodecBench.class.getName() + "\\.").build()).run();
        Map<String, Double> us = new HashMap<>();
        for (RunResult r : results) {
            String method = r.getParams().getBenchmark().replaceAll(".*\\.", "");
            us.put(r.getParams().getParam("codec") + " " + method, r.getPrimaryResult().getScore());
        }
        double mib = CodecBench.SHAPE[0] * CodecBench.SHAPE[1] * CodecBench.SHAPE[2] * CodecBench.ELEMENT / (1024.0 * 1024.0);
        System.out.printf("%n%-18s %-7s %12s %12s %10s %10s %9s%n", "codec", "op", "pipeline us", "raw us",
                "pipe MiB/s", "raw MiB/s", "overhead");
        boolean ok = true;
        for (String codec : new String[] {"blosc_lz4_shuffle", "zstd_1"}) {
            for (String op : new String[] {"encode", "decode"}) {
                Double pipe = us.get(codec + " " + op + "Pipeline");
                Double raw = us.get(codec + " " + op + "Raw");
                if (pipe == null || raw == null) {
                    continue;
                }
                double overhead = pipe / raw - 1;
                ok &= overhead <= 0.15;
                System.out.printf("%-18s %-7s %12.1f %12.1f %10.0f %10.0f %+8.1f%%%n", codec, op, pipe, raw,
                        mib / (pipe * 1e-6), mib / (raw * 1e-6), 100 * overhead);
            }
        }
        System.out.println(ok ? "all overheads within 15%" : "SOME OVERHEAD EXCEEDS 15%");
    }
}
