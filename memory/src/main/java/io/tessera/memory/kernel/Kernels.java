package io.tessera.memory.kernel;

import java.lang.System.Logger.Level;

/**
 * Chooses the kernel implementation once, when this class initializes: system property
 * {@code tessera.kernels} is {@code vector} (the default, when the Vector API is usable) or
 * {@code scalar}. One INFO line on the {@code io.tessera.memory.kernel} logger names the choice.
 *
 * <p>When {@code tessera.kernels.require} is set, {@link #checkRequired()} fails unless that path
 * was selected: test suites call it so that a run claiming to test the vector path cannot
 * silently fall back to the scalar one.
 */
public final class Kernels {
    private Kernels() {}

    /** The system property selecting the implementation. */
    public static final String PROPERTY = "tessera.kernels";
    /** The system property naming the implementation a run insists on. */
    public static final String REQUIRE_PROPERTY = "tessera.kernels.require";

    private static final ArrayKernels SCALAR = new ScalarKernels();
    private static final String VECTOR_PROBLEM;
    private static final ArrayKernels VECTOR;
    private static final ArrayKernels SELECTED;

    static {
        ArrayKernels vector = null;
        String problem = null;
        try {
            // Reflection keeps this class loadable when jdk.incubator.vector is not in the module graph.
            vector = (ArrayKernels) Class.forName("io.tessera.memory.kernel.VectorKernels").getDeclaredConstructor().newInstance();
            problem = VectorKernels.unusableReason();
            if (problem != null) vector = null;
        } catch (ReflectiveOperationException | LinkageError e) {
            problem = "jdk.incubator.vector is not available (run with --add-modules=jdk.incubator.vector): " + e;
        }
        VECTOR = vector;
        VECTOR_PROBLEM = problem;
        String wanted = System.getProperty(PROPERTY, "vector");
        System.Logger log = System.getLogger(Kernels.class.getPackageName());
        String flag = "-D" + PROPERTY + "=scalar|vector";
        if (wanted.equals("scalar")) {
            SELECTED = SCALAR;
            log.log(Level.INFO, "Tessera kernels: scalar (" + flag + ")");
        } else if (vector != null && wanted.equals("vector")) {
            SELECTED = vector;
            log.log(Level.INFO, "Tessera kernels: vector, " + VectorKernels.describe() + " (" + flag + ")");
        } else {
            SELECTED = SCALAR;
            String why = vector == null ? problem : "unknown value \"" + wanted + "\"";
            log.log(Level.INFO, "Tessera kernels: scalar, vector path not selected: " + why + " (" + flag + ")");
        }
    }

    /** The implementation chosen at start. */
    public static ArrayKernels selected() { return SELECTED; }

    /** The scalar twin, always available. */
    public static ArrayKernels scalar() { return SCALAR; }

    /**
     * The Vector API implementation.
     *
     * @throws IllegalStateException saying why, when the Vector API cannot be used in this JVM
     */
    public static ArrayKernels vector() {
        if (VECTOR == null) throw new IllegalStateException("Vector kernels unavailable: " + VECTOR_PROBLEM);
        return VECTOR;
    }

    /**
     * Fails when {@code tessera.kernels.require} is set and names another path than the selected one.
     *
     * @throws IllegalStateException naming both paths
     */
    public static void checkRequired() {
        checkRequired(System.getProperty(REQUIRE_PROPERTY), SELECTED);
    }

    static void checkRequired(String required, ArrayKernels selected) {
        if (required != null && !required.isEmpty() && !required.equals(selected.name())) {
            String why = selected == SCALAR && VECTOR == null ? " (" + VECTOR_PROBLEM + ")" : "";
            throw new IllegalStateException("Kernels \"" + required + "\" are required (-D" + REQUIRE_PROPERTY
                    + ") but \"" + selected.name() + "\" were selected" + why);
        }
    }
}
