package org.peft4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.ShapeException;
import org.peft4j.tensor.Tensor;

/** A {@link Plan} records calls without running them, replays them in order, and announces stages. */
class PlanTest {
    private static final JvmBackend BACKEND = new JvmBackend(2);

    @AfterAll
    static void close() {
        BACKEND.close();
    }

    /** Inputs and outputs of a small forward pass: embed, LayerNorm, GELU, residual, softmax, loss. */
    private record Workspace(Tensor table, IntTensor ids, Tensor gamma, Tensor beta, Tensor h, Tensor y,
                             Tensor mean, Tensor rstd, Tensor probs, Tensor loss) {
        static Workspace create() {
            int vocab = 11, d = 33, n = 7;
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) ids[i] = (i * 5 + 3) % vocab;
            return new Workspace(Tensor.uniform(1, 1f, vocab, d), new IntTensor(ids, new int[] {n}),
                    Tensor.uniform(2, 1f, d), Tensor.uniform(3, 0.5f, d), Tensor.zeros(n, d), Tensor.zeros(n, d),
                    Tensor.zeros(n), Tensor.zeros(n), Tensor.zeros(n, d), Tensor.zeros(1));
        }

        void forward(Ops ops) {
            ops.stage("embed");
            ops.embeddingGather(table, ids, h);
            ops.stage("layer.0/forward");
            ops.layerNorm(h, gamma, beta, 1e-5f, y, mean, rstd);
            ops.gelu(y, y);
            ops.add(y, h, y);
            ops.stage("head");
            ops.softmax(y, probs);
            ops.sumOfSquares(probs, loss);
        }
    }

    @Test
    void recordingRunsNoKernel() {
        Workspace w = Workspace.create();
        Plan plan = Plan.record(w::forward);
        assertEquals(6, plan.size());
        assertArrayEquals(new float[w.h().size()], w.h().toArray(), "gather did not run");
        assertArrayEquals(new float[w.probs().size()], w.probs().toArray(), "softmax did not run");
        assertEquals(0f, w.loss().at(0));
    }

    @Test
    void replayEqualsEagerExecution() {
        Workspace eager = Workspace.create(), planned = Workspace.create();
        eager.forward(BACKEND);
        Plan plan = Plan.record(planned::forward);
        plan.run(BACKEND);
        assertArrayEquals(eager.probs().toArray(), planned.probs().toArray());
        assertArrayEquals(eager.mean().toArray(), planned.mean().toArray());
        assertEquals(eager.loss().at(0), planned.loss().at(0));

        // the plan holds views, not values: new inputs give the new eager result
        eager.table().copyFrom(Tensor.uniform(9, 2f, eager.table().shape()));
        planned.table().copyFrom(eager.table());
        eager.forward(BACKEND);
        plan.run(BACKEND);
        assertArrayEquals(eager.probs().toArray(), planned.probs().toArray());
        assertEquals(eager.loss().at(0), planned.loss().at(0));
    }

    @Test
    void stagesAndCallsAreRecordedInOrder() {
        Workspace w = Workspace.create();
        Plan plan = Plan.record(ops -> {
            ops.scale(2f, w.h(), w.h()); // before any stage: the unnamed stage ""
            w.forward(ops);
            ops.stage("embed");          // a stage may come back later
            ops.copy(w.h(), w.y());
        });
        assertEquals(List.of("", "embed", "layer.0/forward", "head"), plan.stages());
        assertEquals(List.of("scale", "embeddingGather", "layerNorm", "gelu", "add", "softmax", "sumOfSquares", "copy"),
                plan.invocations().stream().map(Plan.Invocation::kernelName).toList());
        assertEquals(List.of("", "embed", "layer.0/forward", "layer.0/forward", "layer.0/forward", "head", "head", "embed"),
                plan.invocations().stream().map(Plan.Invocation::stage).toList());

        List<String> seen = new ArrayList<>();
        plan.run(loggingOps(seen));
        assertEquals(List.of("stage ", "scale", "stage embed", "embeddingGather", "stage layer.0/forward", "layerNorm", "gelu", "add",
                "stage head", "softmax", "sumOfSquares", "stage embed", "copy"), seen);
    }

    @Test
    void kernelErrorsSurfaceUnwrappedOnReplay() {
        Plan plan = Plan.record(ops -> ops.add(Tensor.zeros(3), Tensor.zeros(4), Tensor.zeros(3)));
        ShapeException e = assertThrows(ShapeException.class, () -> plan.run(BACKEND));
        assertEquals("add: [3] vs [4] differ in size", e.getMessage());
    }

    /** An {@link Ops} that only logs {@code "stage NAME"} and kernel names. */
    private static Ops loggingOps(List<String> log) {
        return (Ops) Proxy.newProxyInstance(Ops.class.getClassLoader(), new Class<?>[] {Ops.class}, (proxy, method, args) -> {
            log.add(method.getName().equals("stage") ? "stage " + args[0] : method.getName());
            return null;
        });
    }
}
