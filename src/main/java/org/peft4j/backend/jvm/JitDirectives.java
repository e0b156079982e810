package org.peft4j.backend.jvm;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.management.ObjectName;

/**
 * Asks HotSpot's C2 to always inline the kernels' helpers that take or return vectors.
 *
 * <p>A Vector API value stays in a register only while every method it passes through is inlined;
 * across a real call it is boxed on the heap, and the kernel runs ten times slower while allocating
 * hundreds of MB per training step. C2 refuses to inline a helper that it has already compiled on
 * its own ("already compiled into a big method"), which happens or not depending on which code got
 * hot first. Compiler directives ({@code jcmd Compiler.directives_add}, here through the
 * DiagnosticCommand MBean) force those inlines for every later compilation of this package:
 * <pre>
 *   [{ match: "org/peft4j/backend/jvm/*.*", inline: ["+org/peft4j/backend/jvm/VectorMath.*", …] }]
 * </pre>
 * On a JVM without the MBean (not HotSpot, or no {@code jdk.management}) nothing changes and the
 * kernels still compute the same values, only slower when C2 declines.
 */
final class JitDirectives {
    private JitDirectives() {}

    private static final String PACKAGE = "org/peft4j/backend/jvm/";

    /** {@code Class.method} (or {@code Class.*}) of every helper through which vectors pass. */
    static final List<String> FORCE_INLINE = List.of(
            "VectorMath.*", "Activations.value", "Softmax.logits", "Elementwise.apply", "Dropout.mix",
            "GemmMicroKernel.update", "GemmPacking.lanes", "GemmPacking.load", "GemmPacking.select", "GemmPacking.store");

    /**
     * Array-level passes kept out of line, each compiled on its own: C2's inlining budget (about
     * 18,000 IR nodes per compiled method, and a vector op costs hundreds before it is reduced to an
     * instruction) holds one exp, or a handful of row loops, not the several that a kernel such as
     * the LayerNorm backward strings together. Past the budget an op's intrinsic fails and it boxes.
     * Fused attention calls a GEMM, softmax rows and a dropout mask per head: each is compiled alone.
     */
    static final List<String> KEEP_OUT_OF_LINE = List.of("Activations.*Into", "Softmax.maxLogit", "Softmax.exponentiate", "Rows.*",
            "Softmax.row", "Softmax.backwardRow", "Dropout.applyRange", "GemmBlocked.multiply",
            "GemmShallowKernel.*Sums", "GemmPacking.transposeEightByEight");

    private static final boolean INSTALLED = install();

    /** Whether the directives are in force in this JVM (installed once, when this class initialises). */
    static boolean installed() {
        return INSTALLED;
    }

    /** The directive file's text. */
    static String directives() {
        String inline = Stream.concat(FORCE_INLINE.stream().map(m -> "\"+" + PACKAGE + m + "\""),
                KEEP_OUT_OF_LINE.stream().map(m -> "\"-" + PACKAGE + m + "\"")).collect(Collectors.joining(", "));
        return "[{ match: \"" + PACKAGE + "*.*\", inline: [" + inline + "] }]";
    }

    private static boolean install() {
        Path file = null;
        try {
            file = Files.createTempFile("peft4j-jit-directives", ".json");
            Files.writeString(file, directives());
            Object reply = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            return String.valueOf(reply).contains("1 compiler directives added");
        } catch (Exception | LinkageError notHotSpot) {
            return false;
        } finally {
            if (file != null) file.toFile().delete();
        }
    }
}
