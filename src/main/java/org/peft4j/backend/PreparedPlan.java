package org.peft4j.backend;

/**
 * A {@link Plan} bound to one backend for repeated runs over the same tensors, with the tensors
 * it exchanges with the host fixed by a {@link PlanIO}:
 * <pre>
 *   PreparedPlan step = backend.prepare(plan, new PlanIO(inputs, outputs));
 *   for (...) { write inputs; step.run(); read outputs; }
 * </pre>
 * On the JVM backend this replays the plan call by call, the GEMM panels of frozen weights packed
 * once. A device backend may keep every other tensor on the device between runs: frozen weights are
 * then copied once, activations never.
 */
public interface PreparedPlan extends AutoCloseable {

    /** Runs the plan once: the inputs' current host values in, the outputs' values back. */
    void run();

    /**
     * Copies the {@link PlanIO#state state} tensors' values after the last run to the host (a
     * no-op where they never left it). Call before reading them: checkpoints, evaluation, saving.
     */
    default void pullState() {}

    /** How the plan runs, for logs ("replayed call by call", "resident: 17 task graphs ..."). */
    String description();

    /** Releases what the backend holds for the plan (device memory); the plan can't run afterwards. */
    @Override
    default void close() {}

    /** The plan replayed call by call on {@code ops}: every tensor lives on the host. */
    static PreparedPlan replay(Plan plan, Ops ops, String why) {
        return new PreparedPlan() {
            @Override public void run() { plan.run(ops); }

            @Override public String description() { return "replayed call by call" + (why.isEmpty() ? "" : " (" + why + ")"); }
        };
    }
}
