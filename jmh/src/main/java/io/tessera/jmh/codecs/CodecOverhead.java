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
 *
 * <p>JMH measures one benchmark after another, so on a shared machine a change of load between
 * them moves the ratio. The second table therefore times pipeline and raw calls interleaved, call
 * by call, and compares medians: the load both see is the same.
 */
public final class CodecOverhead {
    private CodecOverhead() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--paired-only")) {
            System.out.println(paired() ? "paired: all overheads within 15%" : "paired: SOME OVERHEAD EXCEEDS 15%");
            return;
        }
        CommandLineOptions cli = new CommandLineOptions(args);
        Collection<RunResult> results = new Runner(new OptionsBuilder().parent(cli)
                .include(CodecBench.class.getName() + "\\.").build()).run();
        Map<String, Double> us = new HashMap<>();
        for (RunResult r : results) {
            String method = r.getParams().getBenchmark().replaceAll(".*\\.", "");
            us.put(r.getParams().getParam("codec") + " " + method, r.getPrimaryResult().getScore());
        }
        double mib = CodecBench.SHAPE[0] * CodecBench.SHAPE[1] * CodecBench.SHAPE[2] * CodecBench.ELEMENT / (1024.0 * 1024.0);
        System.out.printf("%n%-18s %-7s %12s %12s %12s %10s %10s %9s%n", "codec", "op", "pipeline us", "raw us",
                "byte[] us", "pipe MiB/s", "raw MiB/s", "overhead");
        boolean ok = true;
        for (String codec : new String[] {"blosc_lz4_shuffle", "zstd_1"}) {
            for (String op : new String[] {"encode", "decode"}) {
                Double pipe = us.get(codec + " " + op + "Pipeline");
                Double raw = us.get(codec + " " + op + "Raw");
                Double bytes = us.get(codec + " " + op + "Bytes");
                if (pipe == null || raw == null) {
                    continue;
                }
                double overhead = pipe / raw - 1;
                ok &= overhead <= 0.15;
                System.out.printf("%-18s %-7s %12.1f %12.1f %12.1f %10.0f %10.0f %+8.1f%%%n", codec, op, pipe, raw,
                        bytes == null ? Double.NaN : bytes, mib / (pipe * 1e-6), mib / (raw * 1e-6), 100 * overhead);
            }
        }
        System.out.println(ok ? "JMH: all overheads within 15%" : "JMH: SOME OVERHEAD EXCEEDS 15%");
        System.out.println(paired() ? "paired: all overheads within 15%" : "paired: SOME OVERHEAD EXCEEDS 15%");
    }

    /** Interleaved A/B timing of pipeline and raw calls; returns whether all overheads are <= 15%. */
    static boolean paired() {
        int rounds = Integer.getInteger("rounds", 600);
        System.out.printf("%npaired, %d interleaved rounds%n%-18s %-7s %12s %12s %9s%n", rounds, "codec", "op",
                "pipeline us", "raw us", "overhead");
        boolean ok = true;
        for (String codec : new String[] {"blosc_lz4_shuffle", "zstd_1"}) {
            CodecBench bench = new CodecBench();
            bench.codec = codec;
            bench.setup();
            try {
                for (String op : new String[] {"encode", "decode"}) {
                    Runnable pipe = op.equals("encode") ? bench::encodePipeline : bench::decodePipeline;
                    Runnable raw = op.equals("encode") ? bench::encodeRaw : bench::decodeRaw;
                    long[] p = new long[rounds];
                    long[] r = new long[rounds];
                    for (int i = 0; i < rounds / 3; i++) { // warm-up
                        pipe.run();
                        raw.run();
                    }
                    for (int i = 0; i < rounds; i++) {
                        // Alternate which goes first so that neither always inherits the other's cache state.
                        if ((i & 1) == 0) {
                            p[i] = time(pipe);
                            r[i] = time(raw);
                        } else {
                            r[i] = time(raw);
                            p[i] = time(pipe);
                        }
                    }
                    pipe.run();
                    bench.verifyLast();
                    raw.run();
                    bench.verifyLast();
                    double pm = median(p) / 1e3;
                    double rm = median(r) / 1e3;
                    double overhead = pm / rm - 1;
                    ok &= overhead <= 0.15;
                    System.out.printf("%-18s %-7s %12.1f %12.1f %+8.1f%%%n", codec, op, pm, rm, 100 * overhead);
                }
            } finally {
                bench.tearDown();
            }
        }
        return ok;
    }

    private static long time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return System.nanoTime() - t0;
    }

    private static double median(long[] a) {
        long[] s = a.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }
}
