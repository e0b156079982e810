package org.peft4j.backend.jvm;

import static org.peft4j.backend.jvm.GemmBlocked.KC;
import static org.peft4j.backend.jvm.GemmMicroKernel.NR;

/**
 * A whole {@code k × n} operand {@code op(B)} packed once, in the panels {@link GemmBlocked} would
 * pack block by block, seen from column {@code column} on:
 *
 * <pre>
 *   blocks[pc / KC]     the rows [pc, pc + kc) of op(B), kc = min(KC, k − pc)
 *   at (column + j)·kc  its NR-column panel of columns [column + j, column + j + NR), depth-major
 * </pre>
 *
 * The product then reads the same values in the same order as from panels it packed itself.
 */
record PackedPanels(float[][] blocks, int column) {

    /** Packs every depth block of the {@code k × n} operand {@code b}. */
    static PackedPanels pack(GemmOperand b, int n, int k) {
        float[][] blocks = new float[(k + KC - 1) / KC][];
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            blocks[pc / KC] = new float[kc * GemmBlocked.roundUp(n, NR)];
            GemmPacking.panels(b.at(pc, 0).transposed(), n, kc, NR, blocks[pc / KC]);
        }
        return new PackedPanels(blocks, 0);
    }

    /** The same panels seen from {@code j} columns further on (a multiple of NR). */
    PackedPanels from(int j) {
        return new PackedPanels(blocks, column + j);
    }

    /** The packed rows of the depth block that starts at {@code pc}. */
    float[] block(int pc) {
        return blocks[pc / KC];
    }

    /** Where, in a {@code kc}-deep block, the panel of this view's column {@code j} starts. */
    int offset(int j, int kc) {
        return (column + j) * kc;
    }

    /** Floats held. */
    long size() {
        long size = 0;
        for (float[] block : blocks) size += block.length;
        return size;
    }
}
