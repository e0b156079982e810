package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.Plan;
import org.peft4j.backend.PlanIO;
import org.peft4j.backend.PreparedPlan;
import org.peft4j.backend.Transpose;
import org.peft4j.tensor.Tensor;

/**
 * A plan prepared on the JVM backend packs exactly the GEMM operands it may take as constant (only
 * read by GEMMs, not exchanged with the host) and computes what replaying it call by call does.
 */
class JvmPreparedPlanTest {
    private static final JvmBackend BACKEND = new JvmBackend(2);

    @AfterAll
    static void close() {
        BACKEND.close();
    }

    /** y = x·Wᵀ, z = y·Uᵀ, G doubled, h = y·G: only W is constant (U comes from the host, y and G are written). */
    private record Chain(Tensor x, Tensor w, Tensor u, Tensor g, Tensor y, Tensor z, Tensor h) {
        static Chain create() {
            int m = 64, in = 80, out = 96;
            return new Chain(Tensor.uniform(1, 1f, m, in), Tensor.uniform(2, 1f, out, in), Tensor.uniform(3, 1f, 40, out),
                    Tensor.uniform(4, 1f, out, 50), Tensor.zeros(m, out), Tensor.zeros(m, 40), Tensor.zeros(m, 50));
        }

        Plan record() {
            return Plan.record(ops -> {
                ops.gemm(Transpose.N, Transpose.T, 1f, x, w, 0f, y);
                ops.gemm(Transpose.N, Transpose.T, 1f, y, u, 0f, z);
                ops.scale(2f, g, g);
                ops.gemm(Transpose.N, Transpose.N, 0.5f, y, g, 0f, h);
            });
        }

        PlanIO io() {
            return new PlanIO(List.of(x, u), List.of(z, h));
        }

        void nextInputs(long seed) {
            x.copyFrom(Tensor.uniform(seed, 1f, x.shape()));
            u.copyFrom(Tensor.uniform(seed + 1, 1f, u.shape()));
        }
    }

    @Test
    void packsOnlyTheOperandNoCallWritesAndTheHostDoesNotExchange() {
        Chain chain = Chain.create();
        JvmPreparedPlan prepared = (JvmPreparedPlan) BACKEND.prepare(chain.record(), chain.io());
        assertEquals(1, prepared.constantGemms());
        assertEquals(0, prepared.packedOperands(), "nothing is packed before the first run");
        prepared.run();
        prepared.run();
        assertEquals(1, prepared.packedOperands(), "W, packed at the first run and kept");
        assertTrue(prepared.description().contains("1 GEMMs read a constant operand"), prepared.description());
        prepared.close();
        assertEquals(0, prepared.packedOperands(), "closing frees the panels");
    }

    @Test
    void runsGiveBitwiseWhatReplayingCallByCallGives() {
        Chain prepared = Chain.create(), replayed = Chain.create();
        PreparedPlan fast = BACKEND.prepare(prepared.record(), prepared.io());
        PreparedPlan slow = PreparedPlan.replay(replayed.record(), BACKEND, "");
        for (long run = 0; run < 3; run++) {
            prepared.nextInputs(10 * run);
            replayed.nextInputs(10 * run);
            fast.run();
            slow.run();
            assertArrayEquals(replayed.z().toArray(), prepared.z().toArray(), "z, run " + run);
            assertArrayEquals(replayed.h().toArray(), prepared.h().toArray(), "h (G doubled each run), run " + run);
        }
    }

    @Test
    void anOperandTheHostExchangesOrAnyCallWritesIsNotConstant() {
        Chain chain = Chain.create();
        PlanIO wFromHost = new PlanIO(List.of(chain.x(), chain.u(), chain.w()), List.of(chain.z()));
        assertEquals(0, ((JvmPreparedPlan) BACKEND.prepare(chain.record(), wFromHost)).constantGemms());
        Plan wUpdated = Plan.record(ops -> {
            ops.gemm(Transpose.N, Transpose.T, 1f, chain.x(), chain.w(), 0f, chain.y());
            ops.axpy(-0.1f, chain.w(), chain.w());
        });
        assertEquals(0, ((JvmPreparedPlan) BACKEND.prepare(wUpdated, chain.io())).constantGemms());
        Plan wAsAView = Plan.record(ops -> {
            ops.gemm(Transpose.N, Transpose.T, 1f, chain.x(), chain.w(), 0f, chain.y());
            ops.fill(Tensor.view(chain.w().data(), 0, 8), 0f);
        });
        assertEquals(0, ((JvmPreparedPlan) BACKEND.prepare(wAsAView, chain.io())).constantGemms(),
                "a write through another view of W's array");
        Plan productAsB = Plan.record(ops -> {
            ops.gemm(Transpose.N, Transpose.T, 1f, chain.x(), chain.w(), 0f, chain.y());
            ops.gemm(Transpose.T, Transpose.N, 1f, chain.x(), chain.y(), 0f, Tensor.zeros(80, 96));
        });
        assertEquals(1, ((JvmPreparedPlan) BACKEND.prepare(productAsB, chain.io())).constantGemms(),
                "W is constant, y (the first product's C) is not");
    }
}
