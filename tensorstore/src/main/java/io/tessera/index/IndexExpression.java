package io.tessera.index;

import java.util.ArrayList;
import java.util.List;

/**
 * A NumPy-style indexing expression: integers, slices {@code start:stop:step}, {@code ...} and
 * {@code None}/newaxis, applied with TensorStore's semantics (indices are absolute coordinates of
 * the domain, not offsets from its end; out-of-range indices are errors, not clipped).
 *
 * <p>Parse one with {@link #parse(String)} or build one term by term:
 * {@code IndexExpression.builder().index(3).slice(1, 8, 3).build()}.
 */
public record IndexExpression(List<Term> terms) {

    /** One term of an indexing expression. */
    public sealed interface Term permits Index, Slice, Ellipsis, NewAxis {}

    /** An integer index: selects one position and drops the dimension. */
    public record Index(long index) implements Term {
        @Override public String toString() { return Long.toString(index); }
    }

    /** A slice; {@code null} bounds default to the domain's, {@code null} step to 1. */
    public record Slice(Long start, Long stop, Long step) implements Term {
        @Override public String toString() {
            return (start == null ? "" : start) + ":" + (stop == null ? "" : stop) + (step == null ? "" : ":" + step);
        }
    }

    /** {@code ...}: as many full slices as needed to index every dimension. */
    public record Ellipsis() implements Term {
        @Override public String toString() { return "..."; }
    }

    /** {@code None}: inserts a new dimension of size 1. */
    public record NewAxis() implements Term {
        @Override public String toString() { return "None"; }
    }

    public IndexExpression {
        terms = List.copyOf(terms);
    }

    /**
     * Parses NumPy index syntax: comma-separated {@code 3}, {@code -2}, {@code 1:8:3},
     * {@code 7:1:-2}, {@code ::2}, {@code :}, {@code ...}, {@code None} (or {@code newaxis}).
     * An empty string selects everything.
     *
     * @throws IllegalArgumentException naming the bad term
     */
    public static IndexExpression parse(String text) {
        List<Term> terms = new ArrayList<>();
        String trimmed = text.strip();
        if (trimmed.startsWith("[") && trimmed.endsWith("]")) trimmed = trimmed.substring(1, trimmed.length() - 1).strip();
        if (trimmed.isEmpty()) return new IndexExpression(terms);
        String[] parts = trimmed.split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].strip();
            if (p.isEmpty()) {
                // NumPy allows one trailing comma ("3," is a tuple of one index).
                if (i == parts.length - 1 && i > 0) continue;
                throw new IllegalArgumentException("Invalid index expression \"" + text + "\": empty term at position " + i);
            }
            terms.add(parseTerm(p, text));
        }
        return new IndexExpression(terms);
    }

    private static Term parseTerm(String p, String text) {
        if (p.equals("...") || p.equals("Ellipsis")) return new Ellipsis();
        if (p.equals("None") || p.equals("newaxis") || p.equals("np.newaxis")) return new NewAxis();
        if (p.indexOf(':') < 0) return new Index(parseLong(p, text));
        String[] s = p.split(":", -1);
        if (s.length > 3) throw new IllegalArgumentException("Invalid index expression \"" + text + "\": bad slice \"" + p + "\"");
        Long start = optionalLong(s[0], text);
        Long stop = optionalLong(s[1], text);
        Long step = s.length == 3 ? optionalLong(s[2], text) : null;
        return new Slice(start, stop, step);
    }

    private static Long optionalLong(String s, String text) {
        s = s.strip();
        return s.isEmpty() || s.equals("None") ? null : parseLong(s, text);
    }

    private static long parseLong(String s, String text) {
        try {
            return Long.parseLong(s.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid index expression \"" + text + "\": \"" + s.strip() + "\" is not an integer, slice, ... or None");
        }
    }

    /** A builder for expressions without string syntax. */
    public static Builder builder() { return new Builder(); }

    /** Collects terms in order. */
    public static final class Builder {
        private final List<Term> terms = new ArrayList<>();

        public Builder index(long i) { terms.add(new Index(i)); return this; }

        public Builder slice(long start, long stop) { terms.add(new Slice(start, stop, null)); return this; }

        public Builder slice(Long start, Long stop, Long step) { terms.add(new Slice(start, stop, step)); return this; }

        public Builder all() { terms.add(new Slice(null, null, null)); return this; }

        public Builder ellipsis() { terms.add(new Ellipsis()); return this; }

        public Builder newAxis() { terms.add(new NewAxis()); return this; }

        public IndexExpression build() { return new IndexExpression(terms); }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Term t : terms) {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(t);
        }
        return sb.toString();
    }
}
