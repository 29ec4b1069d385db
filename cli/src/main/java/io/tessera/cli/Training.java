package io.tessera.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The workload the {@code ./tessera} launcher records its AOT cache from (JDK 25,
 * {@code -XX:AOTCacheOutput}): the short commands as a user runs them, in one JVM, on a file store
 * in a temporary directory and on the memory store, with their help and error paths, so that the
 * cache holds the classes, linkage and profiles of a small {@code read}. Not a command: the launcher
 * runs it as {@code java -cp tessera.jar io.tessera.cli.Training}. Prints nothing; exits 0 even if
 * a step fails (a cache of what did run is still a good cache).
 */
public final class Training {
    private Training() {}

    /** Runs the workload; no arguments. */
    public static void main(String[] args) throws IOException {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        Path dir = Files.createTempDirectory("tessera-training-");
        try {
            String file = "{\"driver\": \"zarr\", \"kvstore\": {\"driver\": \"file\", \"path\": \"" + dir.resolve("a") + "/\"}}";
            String raw = "{\"driver\": \"zarr\", \"kvstore\": \"file://" + dir.resolve("r") + "/\", \"metadata\": {\"compressor\": null}}";
            String memory = "{\"driver\": \"zarr\", \"kvstore\": {\"driver\": \"memory\"}, \"create\": true, \"dtype\": \"uint8\", \"metadata\": {\"shape\": [3, 4]}}";
            String npy = dir.resolve("a.npy").toString();
            String[][] steps = {
                    {"create", file, "--dtype", "int32", "--shape", "4,5"},
                    {"write", file, "--value", "7"},
                    {"write", file, "--index", "1:3, 2", "--value", "[1, 2]"},
                    {"read", file, "--index", "0:2,0:3"},
                    {"read", file},
                    {"info", file},
                    {"read", file, "--out", npy},
                    {"create", raw, "--dtype", "float64", "--shape", "3,4", "--chunks", "2,2"},
                    {"write", raw, "--from", npy, "--index", "0:3, 0:4"},
                    {"read", raw, "--index", "1, 0:2"},
                    {"read", memory, "--index", "1:3, 2:4"},
                    {"write", memory, "--value", "256"},
                    {"read", "{\"driver\": \"zarr\", \"kvstore\": {\"driver\": \"file\", \"path\": \"" + dir.resolve("missing") + "/\"}}"},
                    {"read", "{\"driver\": "},
                    {"read"},
                    {"read", "--help"},
                    {"--help"},
            };
            // Main.main starts the prewarm threads, which Main.run does not: their classes belong in the cache too.
            Prewarm.start(new String[] {"read", file});
            Prewarm.await();
            for (String[] step : steps) {
                try {
                    Main.run(step, sink, sink);
                } catch (RuntimeException | Error e) {
                    // A step that fails leaves the rest of the workload still worth recording.
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
