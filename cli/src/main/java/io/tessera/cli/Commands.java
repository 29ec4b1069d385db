package io.tessera.cli;

import io.tessera.OpenOptions;
import io.tessera.Spec;
import io.tessera.TensorStore;
import io.tessera.index.IndexExpression;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Option;

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

    /*
     * create, write, read and info describe their options to picocli through its programmatic API
     * rather than annotations. Start-up: reading annotations makes the JDK generate a proxy class
     * per annotation type (bytecode spun at run time, which the AOT cache cannot hold), and that
     * cost a small read more than the read itself. copy, demo and the top level run long or
     * rarely, and keep the annotations.
     */

    /** A short command's model: its name, description, -h/--help, -V/--version and --verbose. */
    static CommandSpec command(Object command, String name, String... description) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command).name(name);
        spec.usageMessage().description(description);
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help message and exit.").build());
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true).description("Print version information and exit.").build());
        spec.addOption(OptionSpec.builder("--verbose").description("Print the stack trace of an error.").build());
        return spec;
    }

    /** The SPEC parameter, first of the positionals. */
    static PositionalParamSpec specParameter(String label) {
        return PositionalParamSpec.builder().index("0").arity("1").required(true).paramLabel(label).description(SPEC_HELP).type(String.class).build();
    }

    static OptionSpec option(String name, String label, Class<?> type, String description) {
        return OptionSpec.builder(name).paramLabel(label).type(type).description(description).build();
    }

    /** The value an option was given, or null. */
    static <T> T value(CommandSpec spec, String option) {
        return spec.findOption(option).getValue();
    }

    /** A path option's value, or null; an empty path (it would name the working directory) is a usage error. */
    static Path path(Path path, String option) {
        if (path != null && path.toString().isEmpty()) throw new Errors.UsageException("Invalid " + option + " \"\": the path is empty");
        return path;
    }

    static String specArgument(CommandSpec spec) {
        return spec.positionalParameters().get(0).getValue();
    }

    static final class Create implements Callable<Integer> {
        final CommandSpec spec;
        private final Env env;

        Create(Env env) {
            this.env = env;
            spec = command(this, "create", "Create the array SPEC describes.",
                    "create: true is implied; the spec may also say open, delete_existing, metadata, dtype,",
                    "schema and context.");
            spec.addPositional(specParameter("SPEC"));
            spec.addOption(option("--dtype", "TYPE", String.class, "Data type: bool, int8..int64, uint8..uint64, float16, bfloat16, float32, float64, complex64, complex128."));
            spec.addOption(option("--shape", "N,N,...", String.class, "Shape, e.g. 70,80."));
            spec.addOption(option("--chunks", "N,N,...", String.class, "Chunk shape, e.g. 64,64 (chosen automatically if absent)."));
        }

        @Override
        public Integer call() {
            OpenOptions o = OpenOptions.create();
            String dtype = value(spec, "--dtype"), shape = value(spec, "--shape"), chunks = value(spec, "--chunks");
            if (dtype != null) {
                try {
                    o.dtype(DataType.parse(dtype.strip()));
                } catch (IllegalArgumentException e) {
                    throw new Errors.UsageException("Invalid --dtype \"" + dtype + "\": " + e.getMessage(), e);
                }
            }
            long[] dims = shape != null ? Specs.longs(shape, "--shape", 0) : null;
            long[] chunkDims = chunks != null ? Specs.longs(chunks, "--chunks", 1) : null;
            if (dims != null && chunkDims != null && dims.length != chunkDims.length) {
                throw new Errors.UsageException("Invalid --chunks \"" + chunks + "\": " + chunkDims.length + (chunkDims.length == 1 ? " dimension" : " dimensions")
                        + ", where --shape \"" + shape + "\" has " + dims.length);
            }
            if (dims != null) o.shape(dims);
            if (chunkDims != null) o.chunkShape(chunkDims);
            Specs.open(Specs.parse(specArgument(spec)), o, env);
            return 0;
        }
    }

    static final class Write implements Callable<Integer> {
        final CommandSpec spec;
        private final Env env;

        Write(Env env) {
            this.env = env;
            spec = command(this, "write", "Write a value or a .npy file to SPEC (or to its region --index).",
                    "Exits 0 only once the write is committed durably.");
            spec.addPositional(specParameter("SPEC"));
            spec.addOption(option("--index", "IDX", String.class, "NumPy index expression, e.g. \"5:10, 6:8\"."));
            // Where the data comes from: exactly one of the two.
            spec.addArgGroup(ArgGroupSpec.builder().exclusive(true).multiplicity("1")
                    .addArg(OptionSpec.builder("--value").paramLabel("V").type(String.class).required(true)
                            .description("A number, true/false, or a nested JSON array, converted by value to the array's dtype; a value that does not fit is an error.").build())
                    .addArg(OptionSpec.builder("--from").paramLabel("FILE.npy").type(Path.class).required(true)
                            .description("A .npy file of any dtype that converts implicitly and any broadcast-compatible shape.").build())
                    .build());
        }

        @Override
        public Integer call() {
            // Everything that can be refused is checked before the store is opened for writing
            // (on a scratch store first, when the spec creates the array): a failed command must
            // not have changed anything.
            IndexExpression index = Specs.indexExpression(value(spec, "--index"));
            String valueText = value(spec, "--value");
            Path from = path(value(spec, "--from"), "--from");
            Object value = from == null ? Values.parse(valueText) : null;
            Spec s = Specs.parse(specArgument(spec));
            NDArray fromFile = from != null ? Npy.read(from) : null;
            TensorStore ds = Specs.index(Specs.openChecked(s, env, made -> check(Specs.index(made, index), fromFile, value, valueText)), index);
            NDArray data = fromFile != null ? fromFile : Values.convert(value, valueText, ds.dtype());
            ds.write(data).join();
            return 0;
        }

        /** Refuses, as {@link TensorStore#write} would, data that does not convert to the view's dtype or align to its domain. */
        private static void check(TensorStore view, NDArray fromFile, Object value, String valueText) {
            view.alignedSource(fromFile != null ? fromFile : Values.convert(value, valueText, view.dtype()));
        }
    }

    static final class Read implements Callable<Integer> {
        final CommandSpec spec;
        private final Env env;

        Read(Env env) {
            this.env = env;
            spec = command(this, "read", "Read SPEC (or its region --index): print it as NumPy prints it, or save it with --out.");
            spec.addPositional(specParameter("SPEC"));
            spec.addOption(option("--index", "IDX", String.class, "NumPy index expression, e.g. \"0:10, 0:10\"."));
            spec.addOption(option("--out", "FILE.npy", Path.class, "Write the data to a .npy file instead of printing it."));
        }

        @Override
        public Integer call() {
            IndexExpression index = Specs.indexExpression(value(spec, "--index"));
            Path out = path(value(spec, "--out"), "--out");
            TensorStore ds = Specs.index(Specs.open(Specs.parse(specArgument(spec)), new OpenOptions(), env), index);
            NDArray a = ds.read().join();
            if (out == null) {
                env.out.println(a);
            } else {
                Npy.write(a, out);
            }
            return 0;
        }
    }

    static final class Info implements Callable<Integer> {
        final CommandSpec spec;
        private final Env env;

        Info(Env env) {
            this.env = env;
            spec = command(this, "info", "Print the resolved spec of SPEC, with the array's metadata, as JSON.");
            spec.addPositional(specParameter("SPEC"));
        }

        @Override
        public Integer call() {
            TensorStore ds = Specs.open(Specs.parse(specArgument(spec)), new OpenOptions(), env);
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
