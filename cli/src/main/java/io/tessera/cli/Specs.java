package io.tessera.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.Context;
import io.tessera.OpenOptions;
import io.tessera.Spec;
import io.tessera.TensorStore;
import io.tessera.index.IndexExpression;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

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

    /**
     * Opens {@code spec}, which may create an array (and delete the one there), only once
     * {@code check} accepts the array it would open: a spec that creates is first created in a
     * scratch memory store and checked there, so that a command refused by the check has neither
     * created nor deleted anything. A spec that does not create opens an existing array, which
     * the caller checks itself.
     */
    static TensorStore openChecked(Spec spec, Env env, Consumer<TensorStore> check) {
        ObjectNode json = spec.toJson();
        if (json.path("create").asBoolean(false) || json.path("delete_existing").asBoolean(false)) {
            ObjectNode dry = json.deepCopy();
            dry.set("kvstore", dry.objectNode().put("driver", "memory"));
            dry.remove(List.of("delete_existing", "open", "context"));
            dry.put("create", true);
            Prewarm.await();
            // The resources the real open would bind (named cache pools, copy limits): the spec's
            // own context, else the command's. Without them a spec naming one would fail here,
            // and the check would be skipped.
            JsonNode own = json.get("context");
            try (Context scratch = Context.fromJson(own != null ? own : env.context().toJson())) {
                TensorStore made = null;
                try {
                    made = TensorStore.open(Spec.fromJson(dry), new OpenOptions().context(scratch)).join();
                } catch (CompletionException e) {
                    // The spec is wrong (the real open says how), or it opens an existing array
                    // rather than creating one (create and open, the metadata left to the array's),
                    // which the caller checks.
                }
                if (made != null) check.accept(made);
            }
        }
        return open(spec, new OpenOptions(), env);
    }

    /**
     * Parses {@code --index}; {@code null} or blank means the whole domain, and gives null. An
     * expression wrong whatever the array (its syntax, a zero step, two ellipses) is a usage
     * error; one that does not fit the array fails when it is applied.
     */
    static IndexExpression indexExpression(String text) {
        if (text == null || text.isBlank()) return null;
        IndexExpression e;
        try {
            e = IndexExpression.parse(text);
        } catch (IllegalArgumentException ex) {
            throw new Errors.UsageException(ex.getMessage(), ex);
        }
        if (e.terms().stream().filter(t -> t instanceof IndexExpression.Ellipsis).count() > 1) {
            throw new Errors.UsageException("Invalid index expression \"" + text + "\": an index can only have a single ellipsis (`...`)");
        }
        for (IndexExpression.Term t : e.terms()) {
            if (t instanceof IndexExpression.Slice s && s.step() != null && s.step() == 0) {
                throw new Errors.UsageException("Invalid index expression \"" + text + "\": slice step cannot be zero");
            }
        }
        return e;
    }

    /** Applies an {@code --index} expression to a store; {@code null} means the whole domain. */
    static TensorStore index(TensorStore ds, IndexExpression index) {
        return index == null ? ds : ds.get(index);
    }

    /** Parses a comma-separated list of integers of at least {@code min}, such as {@code 70,80}. */
    static long[] longs(String text, String option, long min) {
        String t = text.strip();
        if (t.startsWith("[") && t.endsWith("]")) t = t.substring(1, t.length() - 1);
        if (t.isBlank()) return new long[0];
        String[] parts = t.split(",");
        long[] r = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                r[i] = Long.parseLong(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new Errors.UsageException("Invalid " + option + " \"" + text + "\": \"" + parts[i].strip() + "\" is not an integer");
            }
            if (r[i] < min) throw new Errors.UsageException("Invalid " + option + " \"" + text + "\": " + r[i] + (r[i] < 0 ? " is negative" : " is not positive"));
        }
        return r;
    }
}
