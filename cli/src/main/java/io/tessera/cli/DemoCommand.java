package io.tessera.cli;

import io.tessera.Context;
import io.tessera.OpenOptions;
import io.tessera.TensorStore;
import io.tessera.Transaction;
import io.tessera.WriteFutures;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code demo}: the examples of TensorStore's reference page for {@code TensorStore.write}, run
 * end to end, first on the memory store, then on the file store in a temporary directory. Each
 * step is echoed as the page shows it ({@code >>>} lines) and each array printed as NumPy prints
 * it, so the memory run reads exactly as the page.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the examples of TensorStore's write reference page end to end.",
                "They run on the memory store, then on a file store in a temporary directory, printing",
                "what the page prints."})
final class DemoCommand implements Callable<Integer> {
    /** Which stores to run on. */
    enum Store { memory, file, both }

    @Mixin Commands.Common common;
    @Option(names = "--store", paramLabel = "STORE", description = "memory, file or both (default: ${DEFAULT-VALUE}).")
    Store store = Store.both;
    @Option(names = "--dir", paramLabel = "DIR", description = "Directory for the file store run (default: a new temporary directory, deleted afterwards).")
    Path dir;
    private final Env env;

    DemoCommand(Env env) { this.env = env; }

    @Override
    public Integer call() throws IOException {
        Commands.path(dir, "--dir");
        if (store != Store.file) run(new Kv.Memory());
        if (store != Store.memory) {
            Path root = dir != null ? dir : Files.createTempDirectory("tessera-demo-");
            try {
                if (store == Store.both) env.out.println();
                run(new Kv.File(root.toAbsolutePath()));
            } finally {
                if (dir == null) deleteTree(root);
            }
        }
        return 0;
    }

    /** The kvstore one run uses, and how the page's code names it. */
    sealed interface Kv {
        String json(int example);

        /** The lines of the kvstore object in the echoed Python, at {@code indent}. */
        List<String> lines(int example, String indent);

        String title();

        record Memory() implements Kv {
            public String json(int example) { return "{\"driver\": \"memory\"}"; }

            public List<String> lines(int example, String indent) {
                return List.of(indent + "'kvstore': {", indent + "    'driver': 'memory'", indent + "}");
            }

            public String title() { return "memory store"; }
        }

        record File(Path root) implements Kv {
            String path(int example) { return root.resolve("example" + example) + "/"; }

            public String json(int example) {
                return "{\"driver\": \"file\", \"path\": " + com.fasterxml.jackson.databind.node.TextNode.valueOf(path(example)) + "}";
            }

            public List<String> lines(int example, String indent) {
                return List.of(indent + "'kvstore': {", indent + "    'driver': 'file',", indent + "    'path': '" + path(example) + "'", indent + "}");
            }

            public String title() { return "file store in " + root; }
        }
    }

    private void run(Kv kv) {
        PrintStream out = env.out;
        out.println("# TensorStore.write examples on the " + kv.title());

        out.println();
        out.println("# Writes to the current domain");
        TensorStore dataset = openAsync(kv, 1);
        say(">>> await dataset[5:10, 6:8].write(42)");
        dataset.get("5:10, 6:8").write(42).join();
        say(">>> await dataset[0:10, 0:10].read()");
        out.println(dataset.get("0:10, 0:10").read().join());
        say(">>> await dataset[5:10, 6:8].write([1, 2])");
        dataset.get("5:10, 6:8").write(new int[]{1, 2}).join();
        say(">>> await dataset[5:10, 6:8].read()");
        out.println(dataset.get("5:10, 6:8").read().join());

        out.println();
        out.println("# Many writes issued concurrently, then awaited jointly");
        dataset = openAsync(kv, 2);
        say(">>> await asyncio.wait([",
                "...     asyncio.ensure_future(dataset[i * 5].write(i)) for i in range(10)",
                "... ])");
        List<WriteFutures> writes = new ArrayList<>();
        for (int i = 0; i < 10; i++) writes.add(dataset.get(i * 5).write(i));
        for (WriteFutures w : writes) w.join();
        checkRows(dataset);

        out.println();
        out.println("# The same with synchronous blocking");
        List<String> open = new ArrayList<>();
        open.add(">>> dataset = ts.open({");
        open.add("...     'driver': 'zarr',");
        kv.lines(3, "    ").forEach(l -> open.add("... " + l));
        open.add("... },");
        open.add("...                   dtype=ts.uint32,");
        open.add("...                   shape=[70, 80],");
        open.add("...                   create=True).result()");
        say(open.toArray(String[]::new));
        dataset = open(kv, 3);
        say(">>> futures = [dataset[i * 5].write(i) for i in range(10)]");
        List<WriteFutures> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) futures.add(dataset.get(i * 5).write(i));
        say(">>> for f in futures:", "...     f.result()");
        for (WriteFutures f : futures) f.result();
        checkRows(dataset);

        out.println();
        out.println("# Transactional semantics");
        say(">>> txn = ts.Transaction()");
        Transaction txn = new Transaction();
        dataset = openAsync(kv, 4);
        say(">>> await dataset.with_transaction(txn)[5:10, 6:8].write([1, 2])");
        dataset.withTransaction(txn).get("5:10, 6:8").write(new int[]{1, 2}).join();
        say(">>> # Transactional read reflects uncommitted write", ">>> await dataset.with_transaction(txn)[5:10, 6:8].read()");
        out.println(dataset.withTransaction(txn).get("5:10, 6:8").read().join());
        say(">>> # Non-transactional read does not reflect uncommitted write", ">>> await dataset[5:10, 6:8].read()");
        out.println(dataset.get("5:10, 6:8").read().join());
        say(">>> await txn.commit_async()");
        txn.commitAsync().join();
        say(">>> # Now, non-transactional read reflects committed write", ">>> await dataset[5:10, 6:8].read()");
        out.println(dataset.get("5:10, 6:8").read().join());
    }

    /** Echoes the page's {@code await ts.open(...)} for {@code kv}, then opens. */
    private TensorStore openAsync(Kv kv, int example) {
        List<String> lines = new ArrayList<>();
        lines.add(">>> dataset = await ts.open(");
        lines.add("...     {");
        lines.add("...         'driver': 'zarr',");
        kv.lines(example, "        ").forEach(l -> lines.add("... " + l));
        lines.add("...     },");
        lines.add("...     dtype=ts.uint32,");
        lines.add("...     shape=[70, 80],");
        lines.add("...     create=True)");
        say(lines.toArray(String[]::new));
        return open(kv, example);
    }

    /** {@code ts.open(spec, dtype=ts.uint32, shape=[70, 80], create=True)} in a context of its own, as each example on the page has. */
    private static TensorStore open(Kv kv, int example) {
        String spec = "{\"driver\": \"zarr\", \"kvstore\": " + kv.json(example) + "}";
        return TensorStore.open(io.tessera.Spec.parse(spec), new Context(), OpenOptions.create().dtype(DataType.UINT32).shape(70, 80)).join();
    }

    /** The page prints nothing after the concurrent writes; the demo still checks what they wrote. */
    private static void checkRows(TensorStore dataset) {
        NDArray a = dataset.read().join();
        for (int r = 0; r < 70; r++) {
            for (int c = 0; c < 80; c++) {
                long want = r % 5 == 0 && r < 50 ? r / 5 : 0;
                if (a.getLong(r, c) != want) {
                    throw new IllegalStateException("demo: element [" + r + ", " + c + "] reads " + a.getLong(r, c) + ", expected " + want);
                }
            }
        }
    }

    private void say(String... lines) {
        for (String l : lines) env.out.println(l);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
