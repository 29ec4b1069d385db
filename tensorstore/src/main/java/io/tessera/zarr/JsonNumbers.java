package io.tessera.zarr;

import java.math.BigDecimal;

/** Doubles printed as TensorStore's JSON library (nlohmann::json) prints them. */
final class JsonNumbers {
    private JsonNumbers() {}

    /**
     * The shortest round-trip digits, in fixed notation when the decimal point falls within
     * [-4, 15] digits (always with a fraction: {@code 5.0}), else scientific with a signed
     * two-digit exponent ({@code 1e+20}, {@code 1e-07}).
     */
    static String format(double v) {
        if (v == 0) return (1 / v < 0) ? "-0.0" : "0.0";
        String sign = v < 0 ? "-" : "";
        BigDecimal d = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int k = digits.length();
        int n = k - d.scale(); // the decimal point stands after n digits
        StringBuilder sb = new StringBuilder(sign);
        if (k <= n && n <= 15) {
            sb.append(digits).append("0".repeat(n - k)).append(".0");
        } else if (0 < n && n <= 15) {
            sb.append(digits, 0, n).append('.').append(digits, n, k);
        } else if (-4 < n && n <= 0) {
            sb.append("0.").append("0".repeat(-n)).append(digits);
        } else {
            sb.append(digits.charAt(0));
            if (k > 1) sb.append('.').append(digits, 1, k);
            int e = n - 1;
            sb.append(e < 0 ? "e-" : "e+");
            if (Math.abs(e) < 10) sb.append('0');
            sb.append(Math.abs(e));
        }
        return sb.toString();
    }
}
