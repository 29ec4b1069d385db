package io.tessera.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tessera.codecs.JsonText;

import java.util.Iterator;
import java.util.Map;

/**
 * Pretty JSON as Python's {@code json.dumps(indent=2)} lays it out, except that arrays of
 * scalars (shapes, chunk shapes) stay on one line.
 */
final class Json {
    private Json() {}

    static String pretty(JsonNode node) {
        StringBuilder sb = new StringBuilder();
        append(sb, node, 0);
        return sb.toString();
    }

    private static void append(StringBuilder sb, JsonNode n, int indent) {
        if (n.isObject()) {
            if (n.isEmpty()) { sb.append("{}"); return; }
            sb.append("{\n");
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                pad(sb, indent + 2);
                sb.append(JsonText.write(TextNode.valueOf(e.getKey()))).append(": ");
                append(sb, e.getValue(), indent + 2);
                if (it.hasNext()) sb.append(',');
                sb.append('\n');
            }
            pad(sb, indent);
            sb.append('}');
        } else if (n.isArray()) {
            boolean flat = true;
            for (JsonNode v : n) flat &= !v.isContainerNode();
            if (flat) {
                sb.append('[');
                for (int i = 0; i < n.size(); i++) sb.append(i > 0 ? ", " : "").append(JsonText.write(n.get(i)));
                sb.append(']');
                return;
            }
            sb.append("[\n");
            for (int i = 0; i < n.size(); i++) {
                pad(sb, indent + 2);
                append(sb, n.get(i), indent + 2);
                sb.append(i + 1 < n.size() ? ",\n" : "\n");
            }
            pad(sb, indent);
            sb.append(']');
        } else {
            sb.append(JsonText.write(n));
        }
    }

    private static void pad(StringBuilder sb, int n) {
        sb.append(" ".repeat(n));
    }
}
