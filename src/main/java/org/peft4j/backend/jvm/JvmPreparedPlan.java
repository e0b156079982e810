package org.peft4j.backend.jvm;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.peft4j.backend.Plan;
import org.peft4j.backend.PlanIO;
import org.peft4j.backend.PreparedPlan;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.Tensor;

/**
 * A plan prepared on the JVM backend: replayed call by call, except that a GEMM whose B operand is
 * constant for the plan's life reads that operand's panels packed once, at its first run, instead of
 * each thread packing them at every call. An operand counts as constant when the plan only ever passes
 * its array to GEMMs as {@code a} or {@code b} and the host exchanges none of it through the
 * {@link PlanIO}: {@link PlanIO} lets a backend assume the host changes nothing else between runs, as
 * a device backend does when it keeps frozen weights resident. In a LoRA step those are the frozen
 * weights, read by the forward {@code x·Wᵀ} and the input gradient {@code dy·W}.
 */
final class JvmPreparedPlan implements PreparedPlan {
    /** Positions of A and B among {@code gemm}'s and {@code batchedGemm}'s arguments. */
    private static final int A = 3, B = 4;

    private final Plan plan;
    private final JvmBackend backend;
    private final Parallel pool;
    private final boolean[] constantB;
    private final int constantGemms;
    private final ConstantPanels panels = new ConstantPanels();

    JvmPreparedPlan(Plan plan, PlanIO io, JvmBackend backend, Parallel pool) {
        this.plan = plan;
        this.backend = backend;
        this.pool = pool;
        Set<float[]> varying = varyingArrays(plan, io);
        List<Plan.Invocation> calls = plan.invocations();
        constantB = new boolean[calls.size()];
        int count = 0;
        for (int i = 0; i < calls.size(); i++) {
            Plan.Invocation call = calls.get(i);
            constantB[i] = call.kernelName().equals("gemm") && !varying.contains(((Tensor) call.args()[B]).data());
            if (constantB[i]) count++;
        }
        constantGemms = count;
    }

    @Override
    public void run() {
        List<Plan.Invocation> calls = plan.invocations();
        for (int i = 0; i < calls.size(); i++) {
            Plan.Invocation call = calls.get(i);
            if (!constantB[i]) {
                call.invokeOn(backend);
                continue;
            }
            Object[] x = call.args();
            Gemm.gemm(pool, (Transpose) x[0], (Transpose) x[1], (float) x[2], (Tensor) x[A], (Tensor) x[B], (float) x[5],
                    (Tensor) x[6], panels);
        }
    }

    @Override
    public String description() {
        if (constantGemms == 0) return "replayed call by call";
        return "replayed call by call; " + constantGemms + " GEMMs read a constant operand, " + panels.count()
                + " operands packed once (" + panels.size() * Float.BYTES / (1 << 20) + " MiB)";
    }

    /** Frees the packed operands now rather than with the plan. */
    @Override
    public void close() {
        panels.clear();
    }

    /** GEMMs whose B operand is constant. */
    int constantGemms() {
        return constantGemms;
    }

    /** Constant operands packed so far (each at its first use; products that do not pack B never pack it). */
    int packedOperands() {
        return panels.count();
    }

    /**
     * The arrays of every tensor the host exchanges with the plan and of every tensor a call passes
     * anywhere but as a GEMM's {@code a} or {@code b}: what may change between or during runs.
     */
    private static Set<float[]> varyingArrays(Plan plan, PlanIO io) {
        Set<float[]> varying = Collections.newSetFromMap(new IdentityHashMap<>());
        for (List<Object> exchanged : List.of(io.inputs(), io.outputs(), io.state())) {
            for (Object t : exchanged) if (t instanceof Tensor tensor) varying.add(tensor.data());
        }
        for (Plan.Invocation call : plan.invocations()) {
            boolean product = call.kernelName().equals("gemm") || call.kernelName().equals("batchedGemm");
            Object[] args = call.args();
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof Tensor t && !(product && (i == A || i == B))) varying.add(t.data());
            }
        }
        return varying;
    }
}
