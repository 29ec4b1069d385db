package io.tessera.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.tessera.codecs.JsonText;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The {@code --value} of {@code write}: JSON numbers, booleans and nested arrays of them. */
final class Values {
    private Values() {}

    // NaN and Infinity are not JSON, but they are float values users need to write.
    private static final JsonFactory JSON = JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS).build();

    /**
     * Converts {@code text} to an array of {@code dtype} by value, as TensorStore converts a Python
     * scalar or list: an element that does not fit (-1 into uint8, 1.5 into an integer type) is an
     * error, never a wrapped or truncated value.
     */
    static NDArray parse(String text, DataType dtype) {
        return convert(parse(text), text, dtype);
    }

    /**
     * Parses {@code text} into a Java scalar (Long, BigInteger, Double, Boolean) or nested Object[],
     * rectangular; text that is not such a value is a usage error.
     */
    static Object parse(String text) {
        Object value = toJava(read(text), text);
        List<Integer> dims = new ArrayList<>();
        for (Object p = value; p instanceof Object[] a; p = a.length > 0 ? a[0] : null) dims.add(a.length);
        checkRectangular(value, dims, new int[dims.size()], 0, text);
        return value;
    }

    /** Converts what {@link #parse(String)} gave to an array of {@code dtype}, by value. */
    static NDArray convert(Object value, String text, DataType dtype) {
        try {
            return NDArray.of(value, dtype);
        } catch (IllegalArgumentException e) {
            throw new Errors.CliException("Cannot write --value " + text + " to an array of " + dtype + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode read(String text) {
        String t = text.strip();
        switch (t.toLowerCase(Locale.ROOT)) {
            case "nan": return JsonNodeFactory.instance.numberNode(Double.NaN);
            case "inf", "+inf", "infinity": return JsonNodeFactory.instance.numberNode(Double.POSITIVE_INFINITY);
            case "-inf", "-infinity": return JsonNodeFactory.instance.numberNode(Double.NEGATIVE_INFINITY);
            default: break;
        }
        try {
            return JsonText.parse(JSON, t);
        } catch (JsonProcessingException e) {
            throw invalid(text);
        }
    }

    private static Object toJava(JsonNode n, String text) {
        if (n == null || n.isMissingNode()) throw invalid(text);
        if (n.isBoolean()) return n.booleanValue();
        if (n.isIntegralNumber()) return n.canConvertToLong() ? (Object) n.longValue() : n.bigIntegerValue();
        if (n.isNumber()) return n.doubleValue();
        if (n.isArray()) {
            Object[] a = new Object[n.size()];
            for (int i = 0; i < a.length; i++) a[i] = toJava(n.get(i), text);
            return a;
        }
        throw invalid(text);
    }

    /** Refuses ragged nesting as NumPy does, taking the lengths of the first elements as the shape ({@code dims}). */
    private static void checkRectangular(Object v, List<Integer> dims, int[] at, int depth, String text) {
        if (depth == dims.size()) {
            if (v instanceof Object[]) throw ragged(text, at, depth, "is an array, expected a scalar");
            return;
        }
        if (!(v instanceof Object[] a)) throw ragged(text, at, depth, "is a scalar, expected an array of length " + dims.get(depth));
        if (a.length != dims.get(depth)) throw ragged(text, at, depth, "has length " + a.length + ", expected " + dims.get(depth));
        for (int i = 0; i < a.length; i++) {
            at[depth] = i;
            checkRectangular(a[i], dims, at, depth + 1, text);
        }
    }

    private static Errors.UsageException ragged(String text, int[] at, int depth, String what) {
        StringBuilder element = new StringBuilder("[");
        for (int d = 0; d < depth; d++) element.append(d > 0 ? ", " : "").append(at[d]);
        return new Errors.UsageException("Invalid --value \"" + text + "\": ragged nested array: element " + element + "] " + what);
    }

    private static Errors.UsageException invalid(String text) {
        return new Errors.UsageException("Invalid --value \"" + text + "\": expected a number, true, false, or a (nested) JSON array of them");
    }
}
