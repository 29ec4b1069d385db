package io.tessera.cli;

import io.tessera.OpenOptions;
import io.tessera.Spec;
import io.tessera.TensorStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** SPEC arguments: inline JSON or {@code @file.json}, and opening them. */
final class Specs {
    private Specs() {}

    /** Parses a SPEC argument. */
    static Spec parse(String arg) {
        String text = arg;
        if (arg.startsWith("@")) {
            Path file = Path.of(arg.substring(1));
            try {
                text = Files.readString(file);
            } catch (IOException e) {
                throw new Errors.CliException("Cannot read spec file \"" + file + "\": " + Errors.message(e), e);
            }
        }
        return Spec.parse(text);
    }

    /**
     * Opens a spec, in the command's context unless the spec brings its own {@code "context"}
     * (options given a context would override the spec's).
     */
    static TensorStore open(Spec spec, OpenOptions options, Env env) {
        if (!spec.toJson().has("context")) options.context(env.context());
        return TensorStore.open(spec, options).join();
    }

    /** Applies {@code --index} to a store; {@code null} or blank means the whole domain. */
    static TensorStore index(TensorStore ds, String index) {
        return index == null || index.isBlank() ? ds : ds.get(index);
    }

    /** Parses a comma-separated list of integers such as {@code 70,80}. */
    static long[] longs(String text, String option) {
        String t = text.strip();
        if (t.startsWith("[") && t.endsWith("]")) t = t.substring(1, t.length() - 1);
        if (t.isBlank()) return new long[0];
        String[] parts = t.split(",");
        long[] r = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                r[i] = Long.parseLong(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new Errors.CliException("Invalid " + option + " \"" + text + "\": \"" + parts[i].strip() + "\" is not an integer");
            }
            if (r[i] < 0) throw new Errors.CliException("Invalid " + option + " \"" + text + "\": " + r[i] + " is negative");
        }
        return r;
    }
}
