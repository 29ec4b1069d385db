package io.tessera.cli;

import io.tessera.OpenOptions;
import io.tessera.Spec;
import io.tessera.TensorStore;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** The small commands: the top level, {@code create}, {@code write}, {@code read}, {@code info}. */
final class Commands {
    private Commands() {}

    /** Options every command takes. */
    static final class Common {
        @Option(names = "--verbose", description = "Print the stack trace of an error.")
        boolean verbose;
    }

    static final String SPEC_HELP = "TensorStore spec JSON, inline or @file.json.";

    @Command(name = "tessera", mixinStandardHelpOptions = true, version = "tessera 0.1.0",
            description = "Chunked N-dimensional arrays (zarr v2) with TensorStore's semantics.",
            subcommandsRepeatable = false)
    static final class Top implements Callable<Integer> {
        @Mixin Common common;
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec self;
        private final Env env;

        Top(Env env) { this.env = env; }

        @Override
        public Integer call() {
            env.err.println("error: a command is required");
            self.commandLine().usage(env.err);
            return 2;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create the array SPEC describes.",
                    "create: true is implied; the spec may also say open, delete_existing, metadata, dtype,",
                    "schema and context."})
    static final class Create implements Callable<Integer> {
        @Mixin Common common;
        @Parameters(index = "0", paramLabel = "SPEC", description = SPEC_HELP) String spec;
        @Option(names = "--dtype", paramLabel = "TYPE", description = "Data type: bool, int8..int64, uint8..uint64, float16, bfloat16, float32, float64, complex64, complex128.")
        String dtype;
        @Option(names = "--shape", paramLabel = "N,N,...", description = "Shape, e.g. 70,80.") String shape;
        @Option(names = "--chunks", paramLabel = "N,N,...", description = "Chunk shape, e.g. 64,64 (chosen automatically if absent).") String chunks;
        private final Env env;

        Create(Env env) { this.env = env; }

        @Override
        public Integer call() {
            Spec s = Specs.parse(spec);
            OpenOptions o = OpenOptions.create();
            if (dtype != null) {
                try {
                    o.dtype(DataType.parse(dtype.strip()));
                } catch (IllegalArgumentException e) {
                    throw new Errors.CliException("Invalid --dtype \"" + dtype + "\": " + e.getMessage(), e);
                }
            }
            if (shape != null) o.shape(Specs.longs(shape, "--shape"));
            if (chunks != null) o.chunkShape(Specs.longs(chunks, "--chunks"));
            Specs.open(s, o, env);
            return 0;
        }
    }

    /** Where {@code write} takes its data from: exactly one of the two. */
    static final class Source {
        @Option(names = "--value", paramLabel = "V", required = true,
                description = "A number, true/false, or a nested JSON array, converted by value to the array's dtype; a value that does not fit is an error.")
        String value;
        @Option(names = "--from", paramLabel = "FILE.npy", required = true,
                description = "A .npy file of any dtype that converts implicitly and any broadcast-compatible shape.")
        Path from;
    }

    @Command(name = "write", mixinStandardHelpOptions = true,
            description = {"Write a value or a .npy file to SPEC (or to its region --index).",
                    "Exits 0 only once the write is committed durably."})
    static final class Write implements Callable<Integer> {
        @Mixin Common common;
        @Parameters(index = "0", paramLabel = "SPEC", description = SPEC_HELP) String spec;
        @Option(names = "--index", paramLabel = "IDX", description = "NumPy index expression, e.g. \"5:10, 6:8\".") String index;
        @ArgGroup(exclusive = true, multiplicity = "1") Source source;
        private final Env env;

        Write(Env env) { this.env = env; }

        @Override
        public Integer call() {
            Spec s = Specs.parse(spec);
            // Everything that can be refused is checked before the store is opened for writing:
            // a failed command must not have changed anything.
            // (A value is converted once the dtype is known, after the open; a spec that creates
            // the array has created it by then.)
            NDArray fromFile = null;
            Object value = null;
            if (source.from != null) fromFile = Npy.read(source.from);
            else value = Values.parse(source.value);
            TensorStore ds = Specs.index(Specs.open(s, new OpenOptions(), env), index);
            NDArray data = fromFile != null ? fromFile : Values.convert(value, source.value, ds.dtype());
            ds.write(data).join();
            return 0;
        }
    }

    @Command(name = "read", mixinStandardHelpOptions = true,
            description = "Read SPEC (or its region --index): print it as NumPy prints it, or save it with --out.")
    static final class Read implements Callable<Integer> {
        @Mixin Common common;
        @Parameters(index = "0", paramLabel = "SPEC", description = SPEC_HELP) String spec;
        @Option(names = "--index", paramLabel = "IDX", description = "NumPy index expression, e.g. \"0:10, 0:10\".") String index;
        @Option(names = "--out", paramLabel = "FILE.npy", description = "Write the data to a .npy file instead of printing it.") Path out;
        private final Env env;

        Read(Env env) { this.env = env; }

        @Override
        public Integer call() {
            TensorStore ds = Specs.index(Specs.open(Specs.parse(spec), new OpenOptions(), env), index);
            NDArray a = ds.read().join();
            if (out == null) {
                env.out.println(a);
            } else {
                Npy.write(a, out);
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Print the resolved spec of SPEC, with the array's metadata, as JSON.")
    static final class Info implements Callable<Integer> {
        @Mixin Common common;
        @Parameters(index = "0", paramLabel = "SPEC", description = SPEC_HELP) String spec;
        private final Env env;

        Info(Env env) { this.env = env; }

        @Override
        public Integer call() {
            TensorStore ds = Specs.open(Specs.parse(spec), new OpenOptions(), env);
            env.out.println(Json.pretty(ds.spec().toJson()));
            return 0;
        }
    }

    /** {@code .npy} files, with errors that name the file. */
    static final class Npy {
        private Npy() {}

        static NDArray read(Path file) {
            try {
                if (!java.nio.file.Files.exists(file)) throw new java.nio.file.NoSuchFileException(file.toString());
                return NDArray.readNpy(file);
            } catch (IOException | RuntimeException e) {
                throw new Errors.CliException("Cannot read \"" + file + "\" as a .npy file: " + Errors.message(e), e);
            }
        }

        static void write(NDArray a, Path file) {
            try {
                a.writeNpy(file);
            } catch (IOException | RuntimeException e) {
                throw new Errors.CliException("Cannot write \"" + file + "\": " + Errors.message(e), e);
            }
        }
    }
}
