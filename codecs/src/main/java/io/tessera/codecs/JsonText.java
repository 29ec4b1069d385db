package io.tessera.codecs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * JSON text to Jackson trees and back, for every module that reads or writes JSON (specs,
 * contexts, {@code .zarray}, compressors), with the results of {@code ObjectMapper.readTree} and
 * {@code JsonNode.toString()}: the same nodes (int, long or BigInteger by size; doubles), the same
 * error messages and locations, the same compact text.
 *
 * <p>Why not an {@code ObjectMapper}: building one (and {@code JsonNode.toString()}, which builds
 * Jackson's internal one) costs 50-70 ms of start-up, mostly date and locale setup that JSON trees
 * never use, which is more than the rest of a small {@code tessera read}. Jackson's streaming
 * parser and generator cost about a millisecond to set up.
 */
public final class JsonText {
    private JsonText() {}

    /** Strict JSON, as {@code new ObjectMapper()} reads and writes it. */
    private static final JsonFactory FACTORY = new JsonFactory();

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** {@link #parse(JsonFactory, String)} of strict JSON. */
    public static JsonNode parse(String text) throws JsonProcessingException {
        return parse(FACTORY, text);
    }

    /**
     * Parses the first JSON value of {@code text} as {@code ObjectMapper.readTree} does: a missing
     * node for blank text, anything after the first value ignored, a later duplicate member
     * replacing an earlier one in its place.
     *
     * @param factory the parser features to read with (e.g. NaN allowed)
     * @throws JsonProcessingException for text that is not JSON, with the parser's message and location
     */
    public static JsonNode parse(JsonFactory factory, String text) throws JsonProcessingException {
        try (JsonParser p = factory.createParser(text)) {
            JsonToken t = p.nextToken();
            return t == null ? NODES.missingNode() : value(p, t);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a String reader does no I/O
        }
    }

    private static JsonNode value(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                    o.replace(name, value(p, p.nextToken()));
                }
                yield o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) a.add(value(p, e));
                yield a;
            }
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> NODES.numberNode(p.getIntValue());
                case LONG -> NODES.numberNode(p.getLongValue());
                default -> NODES.numberNode(p.getBigIntegerValue());
            };
            // Text gives no hint of float or BigDecimal, so readTree makes every fraction a double.
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new IllegalStateException("Unexpected JSON token " + t);
        };
    }

    /**
     * The compact JSON text of {@code node}, as {@code node.toString()} gives it: {@code "null"}
     * for null, nothing for a missing node (which is null inside a container).
     */
    public static String write(JsonNode node) {
        if (node != null && node.isMissingNode()) return "";
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, node);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does no I/O
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, JsonNode n) throws IOException {
        if (n == null) {
            g.writeNull();
            return;
        }
        switch (n.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (var e : n.properties()) {
                    g.writeFieldName(e.getKey());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode e : n) write(g, e);
                g.writeEndArray();
            }
            case STRING -> g.writeString(n.textValue());
            case BOOLEAN -> g.writeBoolean(n.booleanValue());
            case NULL, MISSING -> g.writeNull();
            case NUMBER -> {
                switch (n.numberType()) {
                    case INT -> g.writeNumber(n.intValue());
                    case LONG -> g.writeNumber(n.longValue());
                    case BIG_INTEGER -> g.writeNumber(n.bigIntegerValue());
                    case FLOAT -> g.writeNumber(n.floatValue());
                    case DOUBLE -> g.writeNumber(n.doubleValue());
                    case BIG_DECIMAL -> g.writeNumber(n.decimalValue());
                }
            }
            case POJO -> {
                if (!(((POJONode) n).getPojo() instanceof RawValue raw)) {
                    throw new IllegalArgumentException("Only raw values can be written without an ObjectMapper, got " + n.getClass().getName());
                }
                raw.serialize(g, null);
            }
            case BINARY -> g.writeBinary(n.binaryValue());
        }
    }

    /** An array node of {@code values}, as long nodes. */
    public static ArrayNode longs(long... values) {
        ArrayNode a = NODES.arrayNode();
        for (long v : values) a.add(v);
        return a;
    }
}
