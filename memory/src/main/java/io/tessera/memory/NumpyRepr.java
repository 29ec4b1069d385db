package io.tessera.memory;

import java.lang.foreign.MemorySegment;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * NumPy 2's {@code repr} of an array with NumPy's default print options (linewidth 75,
 * threshold 1000, edgeitems 3, precision 8, floatmode {@code maxprec}), character for character:
 * column alignment, line wrapping under the {@code array(} prefix, summarization with
 * {@code ...}, the {@code shape=} and {@code dtype=} suffixes, and Dragon4-style shortest digits
 * for float16, float32 and float64. bfloat16 elements print as ml_dtypes prints its scalars.
 */
final class NumpyRepr {
    private NumpyRepr() {}

    private static final int LINE_WIDTH = 75;
    private static final int THRESHOLD = 1000;
    private static final int EDGE_ITEMS = 3;
    private static final int PRECISION = 8;
    private static final String PREFIX = "array(";
    private static final String SEPARATOR = ", ";

    static String repr(NDArray a) {
        long size = a.size();
        boolean summarize = size > THRESHOLD;
        String lst;
        if (size == 0) {
            lst = "[]";
        } else {
            long[] shown = shownOffsets(a, summarize);
            ElementFormat format = ElementFormat.of(a.dtype(), a.segment(), shown, a.rank() == 0);
            // The closing ")" of the repr counts against the line width.
            lst = new Layout(a, format, summarize).format(LINE_WIDTH - 1, " ".repeat(PREFIX.length() + 1));
        }
        List<String> extras = new ArrayList<>();
        if ((size == 0 && !(a.rank() == 1)) || summarize) extras.add("shape=" + shapeTuple(a.shape()));
        if (!dtypeIsImplied(a.dtype()) || size == 0) extras.add("dtype=" + a.dtype().typeName());
        if (extras.isEmpty()) return PREFIX + lst + ")";
        String arr = PREFIX + lst + ",";
        String extra = String.join(", ", extras) + ")";
        int lastLineLength = arr.length() - (arr.lastIndexOf('\n') + 1);
        String spacer = lastLineLength + extra.length() + 1 > LINE_WIDTH ? "\n" + " ".repeat(PREFIX.length()) : " ";
        return arr + spacer + extra;
    }

    private static boolean dtypeIsImplied(DataType t) {
        return t == DataType.INT64 || t == DataType.FLOAT64 || t == DataType.COMPLEX128 || t == DataType.BOOL;
    }

    private static String shapeTuple(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int d = 0; d < shape.length; d++) {
            if (d > 0) sb.append(", ");
            sb.append(shape[d]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** Byte offsets of the elements the repr shows: all of them, or the edges when summarized. */
    private static long[] shownOffsets(NDArray a, boolean summarize) {
        List<Long> out = new ArrayList<>();
        collect(a, 0, a.offset(), summarize, out);
        long[] r = new long[out.size()];
        for (int i = 0; i < r.length; i++) r[i] = out.get(i);
        return r;
    }

    private static void collect(NDArray a, int axis, long off, boolean summarize, List<Long> out) {
        if (axis == a.rank()) {
            out.add(off);
            return;
        }
        long n = a.shape(axis), stride = a.byteStride(axis);
        boolean edges = summarize && n > 2L * EDGE_ITEMS;
        for (long i = 0; i < n; i++) {
            if (edges && i == EDGE_ITEMS) i = n - EDGE_ITEMS;
            collect(a, axis + 1, off + i * stride, summarize, out);
        }
    }

    /** NumPy's {@code _formatArray}: nesting, separators, wrapping and the summary marker. */
    private static final class Layout {
        private final NDArray a;
        private final ElementFormat format;
        private final boolean summarize;
        private final StringBuilder s = new StringBuilder();

        Layout(NDArray a, ElementFormat format, boolean summarize) {
            this.a = a;
            this.format = format;
            this.summarize = summarize;
        }

        String format(int lineWidth, String nextLinePrefix) {
            return recurse(0, a.offset(), nextLinePrefix, lineWidth);
        }

        private String recurse(int axis, long off, String hangingIndent, int currWidth) {
            int axesLeft = a.rank() - axis;
            if (axesLeft == 0) return format.format(off);
            String nextHangingIndent = hangingIndent + " ";
            int nextWidth = currWidth - 1; // room for this level's "]"
            long n = a.shape(axis), stride = a.byteStride(axis);
            boolean showSummary = summarize && 2L * EDGE_ITEMS < n;
            long leading = showSummary ? EDGE_ITEMS : 0;
            long trailing = showSummary ? EDGE_ITEMS : n;
            StringBuilder sb = new StringBuilder();
            if (axesLeft == 1) {
                // Words may reach up to where the separator or the closing bracket goes.
                int elemWidth = currWidth - 1;
                Line line = new Line(sb, hangingIndent);
                for (long i = 0; i < leading; i++) {
                    line.extend(recurse(axis + 1, off + i * stride, nextHangingIndent, nextWidth), elemWidth, hangingIndent);
                    line.append(SEPARATOR);
                }
                if (showSummary) {
                    line.extend("...", elemWidth, hangingIndent);
                    line.append(SEPARATOR);
                }
                for (long i = trailing; i > 1; i--) {
                    line.extend(recurse(axis + 1, off + (n - i) * stride, nextHangingIndent, nextWidth), elemWidth, hangingIndent);
                    line.append(SEPARATOR);
                }
                line.extend(recurse(axis + 1, off + (n - 1) * stride, nextHangingIndent, nextWidth), elemWidth, hangingIndent);
                sb.append(line.text);
            } else {
                String lineSep = "," + "\n".repeat(axesLeft - 1);
                for (long i = 0; i < leading; i++) {
                    sb.append(hangingIndent).append(recurse(axis + 1, off + i * stride, nextHangingIndent, nextWidth)).append(lineSep);
                }
                if (showSummary) sb.append(hangingIndent).append("...").append(lineSep);
                for (long i = trailing; i > 1; i--) {
                    sb.append(hangingIndent).append(recurse(axis + 1, off + (n - i) * stride, nextHangingIndent, nextWidth)).append(lineSep);
                }
                sb.append(hangingIndent).append(recurse(axis + 1, off + (n - 1) * stride, nextHangingIndent, nextWidth));
            }
            return "[" + sb.substring(hangingIndent.length()) + "]";
        }
    }

    /** The line being filled, and the finished lines before it ({@code _extendLine}). */
    private static final class Line {
        final StringBuilder done;
        StringBuilder text;

        Line(StringBuilder done, String start) {
            this.done = done;
            this.text = new StringBuilder(start);
        }

        void append(String t) { text.append(t); }

        void extend(String word, int lineWidth, String nextLinePrefix) {
            boolean wrap = text.length() + word.length() > lineWidth
                    // wrapping a line that holds nothing but the indent would not help
                    && text.length() > nextLinePrefix.length();
            if (wrap) {
                done.append(text.toString().stripTrailing()).append('\n');
                text = new StringBuilder(nextLinePrefix);
            }
            text.append(word);
        }
    }

    // ---- element formats -----------------------------------------------------------------

    /** Formats one element; built from all the elements shown, as NumPy's format functions are. */
    private interface ElementFormat {
        String format(long offset);

        static ElementFormat of(DataType t, MemorySegment seg, long[] shown, boolean rank0) {
            return switch (t.kind()) {
                case BOOL -> {
                    String trueText = rank0 ? "True" : " True";
                    yield off -> Elements.getLong(seg, off, t) != 0 ? trueText : "False";
                }
                case INT, UINT -> {
                    int width = 0;
                    for (long off : shown) width = Math.max(width, intText(seg, off, t).length());
                    int w = width;
                    yield off -> pad(intText(seg, off, t), w);
                }
                case FLOAT -> {
                    if (t == DataType.BFLOAT16) yield off -> bfloat16Text((float) Elements.getDouble(seg, off, t));
                    double[] values = new double[shown.length];
                    for (int i = 0; i < shown.length; i++) values[i] = Elements.getDouble(seg, shown[i], t);
                    FloatFormat f = new FloatFormat(values, BinaryFormat.of(t), false);
                    yield off -> f.format(Elements.getDouble(seg, off, t));
                }
                case COMPLEX -> {
                    double[] re = new double[shown.length], im = new double[shown.length];
                    for (int i = 0; i < shown.length; i++) {
                        re[i] = Elements.getDouble(seg, shown[i], t);
                        im[i] = Elements.getImag(seg, shown[i], t);
                    }
                    BinaryFormat component = t == DataType.COMPLEX64 ? BinaryFormat.FLOAT32 : BinaryFormat.FLOAT64;
                    FloatFormat real = new FloatFormat(re, component, false);
                    FloatFormat imag = new FloatFormat(im, component, true);
                    yield off -> {
                        String i = imag.format(Elements.getImag(seg, off, t));
                        String stripped = i.stripTrailing();
                        return real.format(Elements.getDouble(seg, off, t)) + stripped + "j" + i.substring(stripped.length());
                    };
                }
            };
        }
    }

    private static String intText(MemorySegment seg, long off, DataType t) {
        long v = Elements.getLong(seg, off, t);
        return t == DataType.UINT64 ? Long.toUnsignedString(v) : Long.toString(v);
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }

    /** An IEEE binary format: significand bits (with the hidden one) and least normal exponent. */
    private enum BinaryFormat {
        FLOAT16(11, -14, 3), FLOAT32(24, -126, 6), FLOAT64(53, -1022, 15);

        final int digits;
        final int minNormalExponent;
        /** {@code np.finfo(t).precision}: decimal digits the type holds. */
        final int decimalPrecision;

        BinaryFormat(int digits, int minNormalExponent, int decimalPrecision) {
            this.digits = digits;
            this.minNormalExponent = minNormalExponent;
            this.decimalPrecision = decimalPrecision;
        }

        static BinaryFormat of(DataType t) {
            return switch (t) {
                case FLOAT16 -> FLOAT16;
                case FLOAT32, COMPLEX64 -> FLOAT32;
                default -> FLOAT64;
            };
        }

        /** {@code v} rounded to this format (v is finite or infinite; this is NumPy's arithmetic in the dtype). */
        double round(double v) {
            return switch (this) {
                case FLOAT16 -> Float.float16ToFloat(Float.floatToFloat16((float) v));
                case FLOAT32 -> (float) v;
                case FLOAT64 -> v;
            };
        }

        /** {@code a / b} computed as NumPy computes it for scalars of this type. */
        double divide(double a, double b) {
            return switch (this) {
                // NumPy divides float16 scalars in float32 and rounds the quotient once.
                case FLOAT16 -> Float.float16ToFloat(Float.floatToFloat16((float) a / (float) b));
                case FLOAT32 -> (float) a / (float) b;
                case FLOAT64 -> a / b;
            };
        }
    }

    /** NumPy's {@code FloatingFormat} with the default options (sign '-' or, for imaginary parts, '+'). */
    private static final class FloatFormat {
        private final BinaryFormat binary;
        private final boolean plusSign;
        private boolean expFormat;
        private int padLeft;
        private int padRight;
        private int precision = PRECISION;
        private int expSize = -1;

        FloatFormat(double[] data, BinaryFormat binary, boolean plusSign) {
            this.binary = binary;
            this.plusSign = plusSign;
            List<Double> finite = new ArrayList<>();
            boolean nonFinite = false, negInf = false;
            double maxAbs = Double.NaN, minAbs = Double.NaN;
            for (double v : data) {
                if (!Double.isFinite(v)) {
                    nonFinite = true;
                    if (v == Double.NEGATIVE_INFINITY) negInf = true;
                    continue;
                }
                finite.add(v);
                double abs = Math.abs(v);
                if (abs != 0) {
                    if (!(abs <= maxAbs)) maxAbs = abs;
                    if (!(abs >= minAbs)) minAbs = abs;
                }
            }
            if (!Double.isNaN(maxAbs)) {
                double cutoffMax = Math.pow(10, Math.min(8, binary.decimalPrecision));
                expFormat = maxAbs >= cutoffMax || minAbs < binary.round(1e-4) || binary.divide(maxAbs, minAbs) > 1000;
            }
            if (finite.isEmpty()) {
                padLeft = 0;
                padRight = 0;
            } else if (expFormat) {
                int maxFrac = 0, maxInt = 0, maxExp = 0;
                for (double v : finite) {
                    Decimal d = Decimal.of(v, binary, true, PRECISION, 0);
                    maxFrac = Math.max(maxFrac, d.digits.length() - 1);
                    maxInt = Math.max(maxInt, signText(d.negative) .length() + 1);
                    maxExp = Math.max(maxExp, Math.max(2, Integer.toString(Math.abs(d.exponent)).length()));
                }
                expSize = maxExp;
                precision = maxFrac;
                padLeft = maxInt;
                padRight = expSize + 2 + precision;
            } else {
                for (double v : finite) {
                    String[] parts = positionalParts(Decimal.of(v, binary, false, PRECISION, 0));
                    padLeft = Math.max(padLeft, parts[0].length());
                    padRight = Math.max(padRight, parts[1].length());
                }
            }
            if (nonFinite) {
                int offset = padRight + 1;
                boolean negativeInf = plusSign || negInf;
                padLeft = Math.max(padLeft, Math.max(3 - offset, 3 + (negativeInf ? 1 : 0) - offset));
            }
        }

        private String signText(boolean negative) {
            return negative ? "-" : plusSign ? "+" : "";
        }

        /** Integer part (with sign) and trimmed fraction digits of a positional rendering. */
        private String[] positionalParts(Decimal d) {
            String digits = d.digits;
            String intPart, frac;
            if (d.exponent >= 0) {
                if (digits.length() <= d.exponent + 1) {
                    intPart = digits + "0".repeat(d.exponent + 1 - digits.length());
                    frac = "";
                } else {
                    intPart = digits.substring(0, d.exponent + 1);
                    frac = digits.substring(d.exponent + 1);
                }
            } else {
                intPart = "0";
                frac = "0".repeat(-d.exponent - 1) + digits;
            }
            if (digits.equals("0")) frac = "";
            return new String[] {signText(d.negative) + intPart, frac};
        }

        String format(double v) {
            if (!Double.isFinite(v)) {
                String text = Double.isNaN(v) ? (plusSign ? "+nan" : "nan") : v < 0 ? "-inf" : plusSign ? "+inf" : "inf";
                return pad(text, padLeft + padRight + 1);
            }
            if (expFormat) {
                Decimal d = Decimal.of(v, binary, true, precision, precision);
                String frac = d.digits.substring(1);
                frac = frac + "0".repeat(precision - frac.length());
                String exp = Integer.toString(Math.abs(d.exponent));
                exp = "0".repeat(Math.max(0, expSize - exp.length())) + exp;
                return pad(signText(d.negative) + d.digits.charAt(0), padLeft) + "." + frac + "e" + (d.exponent < 0 ? "-" : "+") + exp;
            }
            String[] parts = positionalParts(Decimal.of(v, binary, false, precision, 0));
            return pad(parts[0], padLeft) + "." + parts[1] + " ".repeat(padRight - parts[1].length());
        }
    }

    /**
     * A finite value as decimal digits {@code d0.d1d2...} times {@code 10^exponent}, without
     * trailing zeros ("0" for zero): the shortest digits that identify the value within its
     * binary format (both rounding-interval ends excluded, as NumPy's Dragon4 does), unless that
     * needs digits beyond the cutoff, in which case the exact value rounded at the cutoff; and
     * when the shortest digits are fewer than the minimum, the exact value's further digits.
     */
    record Decimal(boolean negative, String digits, int exponent) {
        /**
         * @param scientific {@code precision} and {@code minDigits} count digits after the first
         *     digit; otherwise digits after the decimal point
         */
        static Decimal of(double v, BinaryFormat format, boolean scientific, int precision, int minDigits) {
            boolean negative = (Double.doubleToRawLongBits(v) & Long.MIN_VALUE) != 0;
            if (v == 0) return new Decimal(negative, "0", 0);
            BigDecimal x = new BigDecimal(Math.abs(v));
            int binaryExponent = Math.max(Math.getExponent(v), format.minNormalExponent);
            int ulpExponent = binaryExponent - (format.digits - 1);
            BigDecimal ulp = powerOfTwo(ulpExponent);
            BigDecimal marginHigh = ulp.divide(BigDecimal.TWO);
            BigDecimal marginLow = marginHigh;
            // At a power of two (above the least normal binade) the next value down is half as far.
            boolean powerOfTwoSignificand = x.compareTo(powerOfTwo(binaryExponent)) == 0;
            if (powerOfTwoSignificand && binaryExponent > format.minNormalExponent) {
                marginLow = marginHigh.divide(BigDecimal.TWO);
            }
            int lead = x.precision() - x.scale() - 1;
            int cutoff = scientific ? lead - precision : -precision;
            int minimum = scientific ? lead - minDigits : -minDigits;
            for (int q = lead; ; q--) {
                BigDecimal unit = BigDecimal.ONE.scaleByPowerOfTen(q);
                BigDecimal floor = x.setScale(-q, RoundingMode.FLOOR);
                BigDecimal rem = x.subtract(floor);
                boolean low = rem.compareTo(marginLow) < 0;
                boolean high = rem.add(marginHigh).compareTo(unit) > 0;
                if (!((low || high) && q <= minimum) && q > cutoff) continue;
                boolean roundDown;
                if (low != high) {
                    roundDown = low;
                } else {
                    int c = rem.multiply(BigDecimal.TWO).compareTo(unit);
                    roundDown = c < 0 || (c == 0 && !floor.unscaledValue().testBit(0));
                }
                BigDecimal r = roundDown ? floor : floor.add(unit);
                if (r.signum() == 0) return new Decimal(negative, "0", 0);
                r = r.stripTrailingZeros();
                String digits = r.unscaledValue().toString();
                return new Decimal(negative, digits, digits.length() - r.scale() - 1);
            }
        }

        private static BigDecimal powerOfTwo(int e) {
            return e >= 0 ? new BigDecimal(java.math.BigInteger.ONE.shiftLeft(e))
                    : BigDecimal.ONE.divide(new BigDecimal(java.math.BigInteger.ONE.shiftLeft(-e)));
        }
    }

    /**
     * ml_dtypes prints a bfloat16 as C++ {@code std::ostream} prints its float value: {@code %g}
     * with 6 significant digits, NaN without a sign.
     */
    static String bfloat16Text(float f) {
        if (Float.isNaN(f)) return "nan";
        if (Float.isInfinite(f)) return f < 0 ? "-inf" : "inf";
        if (f == 0) return (Float.floatToRawIntBits(f) < 0) ? "-0" : "0";
        BigDecimal r = new BigDecimal(f).round(new MathContext(6, RoundingMode.HALF_EVEN));
        int exponent = r.precision() - r.scale() - 1;
        String sign = f < 0 ? "-" : "";
        BigDecimal abs = r.abs();
        if (exponent < -4 || exponent >= 6) {
            String digits = abs.unscaledValue().toString();
            digits = digits.replaceFirst("0+$", "");
            String mantissa = digits.length() > 1 ? digits.charAt(0) + "." + digits.substring(1) : digits;
            String exp = Integer.toString(Math.abs(exponent));
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (exp.length() < 2 ? "0" + exp : exp);
        }
        String plain = abs.setScale(Math.max(0, 5 - exponent), RoundingMode.UNNECESSARY).toPlainString();
        if (plain.indexOf('.') >= 0) plain = plain.replaceFirst("0+$", "").replaceFirst("\\.$", "");
        return sign + plain;
    }
}
