package io.tessera.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.OpenOptions;
import io.tessera.Spec;
import io.tessera.TensorStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

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
        Spec spec = Spec.parse(text);
        ObjectNode json = spec.toJson();
        return widenIntegers(json) ? Spec.fromJson(json) : spec;
    }

    /**
     * Makes every integer that fits a long a long node, in place; true if one changed. Why: the
     * metadata a store holds is parsed into long nodes, and an open that checks the spec's
     * {@code "metadata"} against it compares JSON nodes, to which int 16 and long 16 differ.
     */
    static boolean widenIntegers(JsonNode node) {
        boolean changed = false;
        if (node instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (narrowInteger(e.getValue())) { e.setValue(LongNode.valueOf(e.getValue().longValue())); changed = true; }
                else changed |= widenIntegers(e.getValue());
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (narrowInteger(a.get(i))) { a.set(i, LongNode.valueOf(a.get(i).longValue())); changed = true; }
                else changed |= widenIntegers(a.get(i));
            }
        }
        return changed;
    }

    private static boolean narrowInteger(JsonNode n) {
        return n.isIntegralNumber() && !n.isLong() && n.canConvertToLong();
    }

    /**
     * Opens a spec, in the command's context unless the spec brings its own {@code "context"}
     * (options given a context would override the spec's).
     */
    static TensorStore open(Spec spec, OpenOptions options, Env env) {
        Prewarm.await();
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
