package io.tessera.codecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link JsonText} against the ObjectMapper it replaces: same trees, same errors, same text. */
class JsonTextTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final List<String> VALID = List.of(
            "{}", "[]", "null", "true", "false", "0", "-0", "7", "-2147483648", "2147483648", "-9223372036854775808",
            "9223372036854775807", "9223372036854775808", "18446744073709551615", "123456789012345678901234567890",
            "1.5", "-0.0", "1e300", "1E-7", "5.0", "0.1", "1e400", "\"\"", "\"NaN\"", "\"Infinity\"",
            "\"tab\\tquote\\\"slash\\\\ \\u0001 \\u00e9 é ✓ \\ud83d\\ude00\"",
            "{\"driver\": \"zarr\", \"kvstore\": {\"driver\": \"file\", \"path\": \"/tmp/a/\"}, \"path\": \"\"}",
            "{\"b\": 1, \"a\": 2, \"b\": 3}", "{\"a\": {\"x\": 1}, \"a\": [1, 2]}",
            "{\"shape\": [4, 5], \"chunks\": [2, 3], \"fill_value\": 1e20, \"n\": [[], [[]], {}], \"z\": null}",
            "  {\"a\": 1}  trailing garbage", "[1, 2] [3]", "", "   ", "\n");

    private static final List<String> INVALID = List.of(
            "{", "[1, 2", "{\"a\": }", "{\"a\" 1}", "{'a': 1}", "{\"a\": 1,}", "[1,]", "nul", "tru", "NaN", "Infinity",
            "-", "01", "1.", "\"unterminated", "\"bad \\x escape\"", "{\"a\": 1\n, \"b\": [\n1, 2 x]}", "{a: 1}",
            "\"control \u0001 char\"", "]", "}", "+1");

    @Test
    void parsesAsReadTreeDoes() throws Exception {
        for (String text : VALID) {
            JsonNode want = MAPPER.readTree(text);
            JsonNode got = JsonText.parse(text);
            assertEquals(want, got, text);
            assertEquals(types(want), types(got), text);
        }
    }

    @Test
    void failsAsReadTreeDoes() {
        for (String text : INVALID) {
            JsonProcessingException want = assertThrows(JsonProcessingException.class, () -> MAPPER.readTree(text), text);
            JsonProcessingException got = assertThrows(JsonProcessingException.class, () -> JsonText.parse(text), text);
            assertEquals(want.getOriginalMessage(), got.getOriginalMessage(), text);
            assertEquals(want.getLocation().getLineNr(), got.getLocation().getLineNr(), text);
            assertEquals(want.getLocation().getColumnNr(), got.getLocation().getColumnNr(), text);
        }
    }

    @Test
    void lenientFactoryParsesAsItsMapperDoes() throws Exception {
        JsonMapper lenient = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
        JsonFactory factory = JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
        for (String text : List.of("NaN", "[Infinity, -Infinity, 1.5, 2]", "-Infinity")) {
            assertEquals(types(lenient.readTree(text)), types(JsonText.parse(factory, text)), text);
        }
    }

    @Test
    void writesAsToStringDoes() throws Exception {
        for (String text : VALID) {
            JsonNode n = MAPPER.readTree(text);
            assertEquals(n.toString(), JsonText.write(n), text);
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.put("nan", Double.NaN).put("inf", Double.NEGATIVE_INFINITY).put("f", 1.25f).put("big", new BigInteger("99999999999999999999"))
                .put("dec", new BigDecimal("1.50")).put("bytes", new byte[] {1, 2, 3}).put("s", "ünïcode\n\"");
        o.putRawValue("raw", new RawValue("1e+20"));
        o.putArray("a").add(1L).add(f.rawValueNode(new RawValue("-0.0"))).addNull().addObject();
        o.set("missing", f.missingNode());
        assertEquals(o.toString(), JsonText.write(o));
        assertEquals("null", JsonText.write(null));
        assertEquals(f.missingNode().toString(), JsonText.write(f.missingNode()));
    }

    @Test
    void longsAreLongNodes() {
        assertEquals(MAPPER.valueToTree(new long[] {4, 5, 1L << 40}), JsonText.longs(4, 5, 1L << 40));
        assertEquals("[]", JsonText.write(JsonText.longs()));
    }

    /** The node classes of a tree, which equals() does not compare for numbers of one value. */
    private static String types(JsonNode n) {
        StringBuilder sb = new StringBuilder(n.getClass().getSimpleName());
        if (n.isContainerNode()) {
            sb.append('(');
            n.properties().forEach(e -> sb.append(e.getKey()).append('=').append(types(e.getValue())).append(','));
            if (n.isArray()) n.forEach(e -> sb.append(types(e)).append(','));
            sb.append(')');
        }
        return sb.toString();
    }
}
