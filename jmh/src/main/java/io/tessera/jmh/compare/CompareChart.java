package io.tessera.jmh.compare;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws the chart of {@code bench/compare} when matplotlib is not available: one horizontal bar
 * per measurement, how many times better Tessera is than TensorStore on a log axis, a dashed line at parity and a
 * tick at the target. Headless; reads the title on the first line of stdin, then one line per
 * measurement, tab-separated: label, ratio (empty: not measured), target (empty: none),
 * verdict ({@code PASS}, {@code MISS}, or anything else for no verdict).
 *
 * <p>Usage: {@code CompareChart OUT.png < rows.tsv}
 */
public final class CompareChart {
    private CompareChart() {}

    record Bar(String label, Double ratio, Double target, String verdict) {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: CompareChart OUT.png < rows.tsv");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String title = in.readLine();
        List<Bar> bars = new ArrayList<>();
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isBlank()) continue;
            String[] f = line.split("\t", -1);
            bars.add(new Bar(f[0], number(f, 1), number(f, 2), f.length > 3 ? f[3] : ""));
        }
        ImageIO.write(draw(title == null ? "" : title, bars), "png", Path.of(args[0]).toFile());
    }

    private static Double number(String[] f, int i) {
        return i < f.length && !f[i].isBlank() ? Double.valueOf(f[i]) : null;
    }

    static BufferedImage draw(String title, List<Bar> bars) {
        int labelW = 430, plotW = 640, rowH = 34, top = 44, bottom = 56, right = 30;
        int w = labelW + plotW + right, h = top + bottom + rowH * Math.max(1, bars.size());
        double lo = 1, hi = 1;
        for (Bar b : bars) {
            for (Double v : new Double[]{b.ratio, b.target}) {
                if (v != null && v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
            }
        }
        // Margins on a log axis, so that the smallest and largest bars keep room for their labels.
        double logLo = Math.log(lo / 1.6), logHi = Math.log(hi * 1.6);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, labelW, 26);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        int plotBottom = top + rowH * bars.size();
        g.setColor(new Color(0x444444));
        g.drawRect(labelW, top, plotW, plotBottom - top);
        for (double t : new double[]{0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 20}) {
            if (Math.log(t) < logLo || Math.log(t) > logHi) continue;
            int x = xOf(t, logLo, logHi, labelW, plotW);
            String s = String.format(Locale.ROOT, "%sx", t == Math.rint(t) ? String.valueOf((long) t) : String.valueOf(t));
            g.drawLine(x, plotBottom, x, plotBottom + 4);
            g.drawString(s, x - fm.stringWidth(s) / 2, plotBottom + 18);
        }
        g.drawString("Tessera relative to TensorStore, >1: Tessera better (log scale; dashed: parity, black tick: target)", labelW, plotBottom + 40);
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            int yMid = top + rowH * i + rowH / 2;
            g.setColor(Color.BLACK);
            String label = b.label;
            while (fm.stringWidth(label) > labelW - 16 && label.length() > 4) label = label.substring(0, label.length() - 4) + "...";
            g.drawString(label, labelW - 8 - fm.stringWidth(label), yMid + fm.getAscent() / 2 - 2);
            if (b.ratio == null || b.ratio <= 0) {
                g.setColor(Color.GRAY);
                g.drawString("n/a", labelW + 8, yMid + fm.getAscent() / 2 - 2);
            } else {
                g.setColor(switch (b.verdict) {
                    case "PASS" -> new Color(0x2e8b57);
                    case "MISS" -> new Color(0xc0392b);
                    default -> new Color(0x7f8c8d);
                });
                int x = xOf(b.ratio, logLo, logHi, labelW, plotW);
                g.fillRect(labelW + 1, yMid - rowH / 3, Math.max(1, x - labelW - 1), 2 * rowH / 3);
                g.setColor(Color.BLACK);
                g.drawString(String.format(Locale.ROOT, "%.2fx", b.ratio), x + 5, yMid + fm.getAscent() / 2 - 2);
            }
            if (b.target != null && b.target > 0) {
                int x = xOf(b.target, logLo, logHi, labelW, plotW);
                g.setColor(Color.BLACK);
                g.setStroke(new BasicStroke(3));
                g.drawLine(x, yMid - rowH / 2 + 3, x, yMid + rowH / 2 - 3);
                g.setStroke(new BasicStroke(1));
            }
        }
        int x1 = xOf(1, logLo, logHi, labelW, plotW);
        g.setColor(new Color(0x333333));
        g.setStroke(new BasicStroke(1, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[]{6, 4}, 0));
        g.drawLine(x1, top, x1, plotBottom);
        g.dispose();
        return img;
    }

    private static int xOf(double v, double logLo, double logHi, int left, int width) {
        return left + (int) Math.round((Math.log(v) - logLo) / (logHi - logLo) * width);
    }
}
